"""Inventory tasks: reservations of orders not paid in time are released."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.inventory import services


@task("inventory.release_expired_reservations", queue="scheduled")
def release_expired_reservations(session: Session) -> int:
    """Release every reservation past its expiry (each once: it is read under its level's
    lock and released only while still active); how many orders it released."""
    return services.release_expired(session)
