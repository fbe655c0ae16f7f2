"""dev_tools tasks, both on the `long_running` queue: an architecture scan and a test run.
Each takes the id of the row the API made; a finished row is left as it is, so a task
delivered twice does its work once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.dev_tools import services


@task("dev_tools.execute_code_quality_scan", queue="long_running", max_retries=0)
def execute_code_quality_scan(session: Session, scan_id: str) -> dict[str, Any]:
    """Scan the source against the scan's rules and store its violations."""
    return services.execute_scan(session, uuid.UUID(str(scan_id)))


@task("dev_tools.execute_test_run", queue="long_running", max_retries=0)
def execute_test_run(session: Session, run_id: str) -> dict[str, Any]:
    """Run pytest on the run's collection and store its results."""
    return services.execute_test_run(session, uuid.UUID(str(run_id)))
