"""`orion demo`: a first capacity snapshot, so the operators' overview has figures.

Taken once the demo's unit of work has committed (after the orders every demo store gets
then, since monitoring loads after the modules it counts), and only when no snapshot exists
yet: running the demo again adds nothing.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.db import after_commit
from orion.modules.monitoring.repository import SnapshotRepository
from orion.modules.monitoring.services.snapshots import capture

log = structlog.get_logger(__name__)


def seed_demo(session: Session, runtime: Any) -> None:
    after_commit(session, lambda: _first_snapshot(runtime))


def _first_snapshot(runtime: Any) -> None:
    with runtime.database.unit_of_work() as session:
        if SnapshotRepository(session).latest() is not None:
            return
        snapshot = capture(session)
        log.info("monitoring_demo_snapshot", snapshot_id=str(snapshot.id))
