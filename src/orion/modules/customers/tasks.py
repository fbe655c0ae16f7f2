"""Customers tasks: the nightly purge of ended sessions and reset tokens, per tenant.
Safe to run twice: a second run finds nothing more to delete."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.customers import services


@task("customers.purge_expired", queue="scheduled")
def purge_expired(session: Session, tenant_id: uuid.UUID) -> dict[str, int]:
    """Delete the tenant's customer sessions and reset tokens a week past their end (the
    kernel runs it acting for `tenant_id`)."""
    return services.purge_expired(session)
