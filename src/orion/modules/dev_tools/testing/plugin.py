"""A pytest plugin the test runner loads into the pytest it starts (`-p`): it writes the
run's progress, one JSON line per event, to the file named by `ORION_DEV_TOOLS_PROGRESS`.

    {"collected": 12}        once collection is done
    {"done": 3}              after each test's last phase (a test counts once)
"""

from __future__ import annotations

import json
import os
from typing import Any

PROGRESS_FILE = "ORION_DEV_TOOLS_PROGRESS"

_done: set[str] = set()


def _write(record: dict[str, Any]) -> None:
    path = os.environ.get(PROGRESS_FILE)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(record) + "\n")


def pytest_collection_finish(session: Any) -> None:
    _write({"collected": len(session.items)})


def pytest_runtest_logreport(report: Any) -> None:
    finished = report.when == "teardown" or (report.when == "setup" and not report.passed)
    if finished and report.nodeid not in _done:
        _done.add(report.nodeid)
        _write({"done": len(_done)})
