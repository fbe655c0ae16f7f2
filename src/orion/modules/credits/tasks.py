"""Credits tasks: holds left open past their expiry are given back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.credits import services


@task("credits.release_expired_holds", queue="scheduled")
def release_expired_holds(session: Session) -> int:
    """Release every expired open hold (each one once: the hold's state is claimed with a
    conditional update); how many were released."""
    return services.release_expired_holds(session)
