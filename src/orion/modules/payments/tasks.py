"""Payments tasks: operations the provider never answered, settled with their own keys."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.tasks import task
from orion.modules.payments import services


@task("payments.settle_pending", queue="scheduled")
def settle_pending(session: Session) -> dict[str, int]:
    """Ask again, with the same idempotency key, captures and refunds still pending after
    `settle_after_minutes`; apply webhook events whose processing failed. Safe to run twice:
    each operation is recorded once whoever records it. The task's own session stays
    unused while the provider is called (each step opens its own short unit of work)."""
    return services.settle_pending(runtime_of(session))
