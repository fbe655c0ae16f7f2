"""monitoring tasks, on the `scheduled` queue: the capacity snapshot (every 15 minutes,
and on demand from the API or console) and the daily purge of old snapshots."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.monitoring import services


@task("monitoring.capture_capacity_snapshot", queue="scheduled", max_retries=2)
def capture_capacity_snapshot(session: Session) -> dict[str, Any]:
    """Store a capacity snapshot and raise the notifications it calls for."""
    snapshot = services.capture(session)
    return {"snapshot_id": str(snapshot.id), "duration_ms": snapshot.duration_ms}


@task("monitoring.purge_snapshots", queue="scheduled")
def purge_snapshots(session: Session) -> dict[str, int]:
    """Delete snapshots and acknowledged notifications past their retention."""
    return services.purge(session)
