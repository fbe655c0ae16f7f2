"""The send task: one message per run, retried with backoff while the server defers it."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.email import services
from orion.modules.email.exceptions import DeliveryDeferred

# Above EmailSettings.max_attempts' upper bound: the message's own attempt count decides
# when to give up, and records why.
MAX_RETRIES = 12


@task(services.SEND_TASK, retry_on=(DeliveryDeferred,), max_retries=MAX_RETRIES)
def send_message(session: Session, message_id: str, tenant_id: uuid.UUID | None = None) -> str:
    """Send one queued message; a 4xx reply or an unreachable server retries with backoff,
    a 5xx reply (or no usable server) marks it failed with the reason."""
    delivery = services.deliver(
        session, uuid.UUID(str(message_id)), tenant_id=tenant_id, checkpoint=session.commit
    )
    if delivery.retry is not None:
        # Raising rolls the unit of work back: keep this attempt's record first.
        session.commit()
        raise delivery.retry
    return delivery.state


@task("email.requeue_stale", queue="scheduled")
def requeue_stale(session: Session) -> dict[str, int]:
    """Send again the messages whose send task was lost; expire those waiting too long."""
    return services.requeue_stale(session)
