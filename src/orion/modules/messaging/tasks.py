"""Messaging tasks: the daily email digest, per tenant."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.tasks import task
from orion.modules.messaging import services


@task("messaging.send_digests", queue="scheduled")
def send_digests(session: Session, tenant_id: uuid.UUID | None = None) -> int:
    """Mail each of the tenant's users their unread notifications since the last digest."""
    if tenant_id is None:
        return 0
    tenant = runtime_of(session).tenant_context(session, tenant_id)
    return services.send_digests(session, tenant)
