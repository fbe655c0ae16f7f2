from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.auth import services


@task("auth.purge_expired", queue="scheduled")
def purge_expired(session: Session) -> dict[str, int]:
    """Delete refresh and reset tokens long past use, and old failed sign-ins."""
    return services.purge_expired(session)
