from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.core import service


@task("core.snapshot_health", queue="scheduled")
def snapshot_health(session: Session) -> dict[str, int]:
    """Keep a history of the readiness checks; announce failures as core.health_degraded."""
    snapshots = service.snapshot_health(session)
    return {"checks": len(snapshots), "failing": sum(not s.ok for s in snapshots)}
