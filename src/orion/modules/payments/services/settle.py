"""Operations whose provider never answered, settled later with their own keys.

A capture or refund left `pending` (Stripe timed out, the process stopped between the call
and the record) is asked again with the same idempotency key: Stripe answers what it did
the first time, or does it now, and the answer is recorded once. Webhook events whose
processing failed are applied again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.errors import OrionError
from orion.modules.payments.models import Payment, PaymentOperation
from orion.modules.payments.schemas import OperationKind, Provider
from orion.modules.payments.services import accounts, operations, webhooks

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime

log = structlog.get_logger(__name__)


def settle_pending(runtime: Runtime, *, older_than_minutes: int | None = None) -> dict[str, int]:
    minutes = (
        older_than_minutes
        if older_than_minutes is not None
        else accounts.settings_from_runtime(runtime).settle_after_minutes
    )
    cutoff = utcnow() - timedelta(minutes=minutes)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        stale = list(
            session.execute(
                select(
                    PaymentOperation.tenant_id,
                    Payment.store_id,
                    PaymentOperation.payment_id,
                    PaymentOperation.kind,
                    PaymentOperation.amount,
                    PaymentOperation.idempotency_key,
                    PaymentOperation.source,
                    Payment.provider,
                )
                .join(Payment, Payment.id == PaymentOperation.payment_id)
                .where(PaymentOperation.state == "pending", PaymentOperation.created_at <= cutoff)
                .order_by(PaymentOperation.created_at)
                .limit(200)
            )
        )
        failed = webhooks.failed_events(session)
    counts = {"settled": 0, "refused": 0, "still_pending": 0, "events": 0}
    for tenant_id, store_id, payment_id, kind, amount, key, source, provider in stale:
        with runtime.database.unit_of_work() as session:
            tenant = runtime.tenant_context(session, tenant_id)
        if kind == OperationKind.REFUND:
            action = operations.refund
        elif provider == Provider.STRIPE:
            action = operations.capture
        else:
            action = operations.mark_received
        try:
            action(
                runtime,
                tenant,
                store_id=store_id,
                payment_id=payment_id,
                amount=amount,
                idempotency_key=key,
                source=source,
            )
            counts["settled"] += 1
        except OrionError as exc:
            status = "still_pending" if exc.status >= 500 else "refused"
            counts[status] += 1
            log.warning("payment_operation_not_settled", key=key, reason=exc.message)
    for tenant_id, event_id in failed:
        with runtime.database.unit_of_work() as session:
            tenant = runtime.tenant_context(session, tenant_id)
        with runtime.database.unit_of_work(tenant=tenant) as session:
            if webhooks.process(session, event_id) == "processed":
                counts["events"] += 1
    return counts
