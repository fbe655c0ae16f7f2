"""Fails the first time, passes after: a flaky test (the flag file is named by the test)."""

import os
from pathlib import Path


def test_sometimes():
    flag = Path(os.environ["DEV_TOOLS_SAMPLE_FLAG"])
    if not flag.exists():
        flag.write_text("seen")
        raise AssertionError("first time: fails")
