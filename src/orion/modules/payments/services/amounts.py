"""A payment's amounts and state, and how what the provider says is applied to them.

Amounts converge whatever order the provider's news arrives in: what was captured and
refunded only goes up (`_catch_up` records the difference, never less), what may still be
captured only goes down once authorised, and the state is read from the amounts, never
from the order of the events. The difference the provider shows is first matched with the
operations still pending (a capture whose answer has not come back yet), so a capture
seen both in its answer and in a webhook is counted once.

Callers hold the payment's row lock (`PaymentRepository.of_store(..., lock=True)`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.runtime.events import publish
from orion.modules.payments.events import PaymentCaptured, PaymentRefunded
from orion.modules.payments.models import Payment, PaymentOperation
from orion.modules.payments.providers import Remote
from orion.modules.payments.repository import OperationRepository
from orion.modules.payments.schemas import OperationKind, PaymentState, Provider

PRE_AUTHORISATION = (PaymentState.PENDING, PaymentState.REQUIRES_ACTION, PaymentState.FAILED)


def derive_state(payment: Payment) -> str:
    if payment.captured_amount > 0:
        if payment.refunded_amount >= payment.captured_amount:
            return PaymentState.REFUNDED
        if payment.refunded_amount > 0:
            return PaymentState.PARTIALLY_REFUNDED
        if payment.capturable_amount > 0:
            return PaymentState.PARTIALLY_CAPTURED
        return PaymentState.CAPTURED
    if payment.state == PaymentState.CANCELED:
        return PaymentState.CANCELED
    if payment.provider == Provider.STRIPE and payment.authorised_amount > 0:
        return PaymentState.AUTHORISED if payment.capturable_amount > 0 else PaymentState.CANCELED
    return payment.state


def capture_room(session: Session, payment: Payment) -> int:
    """What another capture may take: the capturable amount less the captures pending."""
    pending = OperationRepository(session).pending(payment.id, OperationKind.CAPTURE)
    return payment.capturable_amount - sum(op.amount for op in pending)


def refund_room(session: Session, payment: Payment) -> int:
    """What another refund may give back: captured, less refunded and refunds pending."""
    pending = OperationRepository(session).pending(payment.id, OperationKind.REFUND)
    return payment.captured_amount - payment.refunded_amount - sum(op.amount for op in pending)


def complete(
    session: Session, payment: Payment, operation: PaymentOperation, *, reference: str | None = None
) -> None:
    """A pending capture or refund happened: count it once and tell the order."""
    if operation.state == "succeeded":
        return
    operation.state = "succeeded"
    operation.completed_at = utcnow()
    if reference:
        operation.provider_reference = reference
    if operation.kind == OperationKind.CAPTURE:
        payment.captured_amount += operation.amount
        payment.capturable_amount = (
            0 if operation.final else max(0, payment.capturable_amount - operation.amount)
        )
        event: PaymentCaptured | PaymentRefunded = PaymentCaptured(
            order_id=payment.order_id,
            store_id=payment.store_id,
            payment_id=payment.id,
            capture_id=operation.id,
            amount=operation.amount,
            currency=payment.currency,
            provider=payment.provider,
        )
    else:
        payment.refunded_amount += operation.amount
        event = PaymentRefunded(
            order_id=payment.order_id,
            store_id=payment.store_id,
            payment_id=payment.id,
            refund_id=operation.id,
            amount=operation.amount,
            currency=payment.currency,
            provider=payment.provider,
            reason=operation.reason,
        )
    payment.state = derive_state(payment)
    session.flush()
    publish(session, event)


def _catch_up(session: Session, payment: Payment, kind: OperationKind, remote_total: int) -> None:
    """The provider counts `remote_total` captured (or refunded): record what Orion lacks,
    pending operations first (oldest first, those that fit), then one operation for the
    rest, keyed by the total it brings the payment to (so the same news twice adds it once)."""
    local = payment.captured_amount if kind == OperationKind.CAPTURE else payment.refunded_amount
    gap = remote_total - local
    if gap <= 0:
        return
    for operation in OperationRepository(session).pending(payment.id, kind):
        if operation.amount <= gap:
            complete(session, payment, operation)
            gap -= operation.amount
    if gap <= 0:
        return
    key = f"provider:{kind.value}:{remote_total}"
    operation = OperationRepository(session).by_key(payment.id, kind, key)
    if operation is None:
        operation = PaymentOperation(
            tenant_id=payment.tenant_id,
            payment_id=payment.id,
            kind=kind,
            state="pending",
            amount=gap,
            idempotency_key=key,
            source="provider",
            reason="seen at the provider" if kind == OperationKind.REFUND else None,
            created_at=utcnow(),
        )
        session.add(operation)
        session.flush()
    complete(session, payment, operation)


def apply_remote(session: Session, payment: Payment, remote: Remote) -> None:
    """Bring the payment up to what the provider says (see the module docstring)."""
    canceled = payment.state == PaymentState.CANCELED
    if remote.reference and not payment.provider_reference:
        payment.provider_reference = remote.reference
    if remote.authorised is not None and remote.authorised > 0 and not canceled:
        if payment.authorised_amount == 0 and remote.capturable is not None:
            # The first news of the authorisation (a later one may have come first: keep
            # the smaller capturable amount, it is the newer).
            payment.capturable_amount = remote.capturable
        payment.authorised_amount = max(payment.authorised_amount, remote.authorised)
    if remote.capturable is not None and payment.authorised_amount > 0:
        payment.capturable_amount = min(payment.capturable_amount, remote.capturable)
    if remote.captured is not None:
        _catch_up(session, payment, OperationKind.CAPTURE, remote.captured)
    if remote.refunded is not None:
        _catch_up(session, payment, OperationKind.REFUND, remote.refunded)
    if remote.status == "canceled":
        payment.capturable_amount = 0
        if payment.captured_amount == 0:
            payment.state = PaymentState.CANCELED
    elif payment.authorised_amount == 0 and payment.state in PRE_AUTHORISATION and not canceled:
        if remote.status == "requires_action":
            payment.state = PaymentState.REQUIRES_ACTION
        elif remote.status == "requires_payment_method" and remote.failure_message:
            payment.state = PaymentState.FAILED
        if remote.failure_message:
            payment.failure_code = (remote.failure_code or "")[:100] or None
            payment.failure_message = remote.failure_message[:1000]
    if payment.authorised_amount > 0:
        payment.failure_code = payment.failure_message = None
    payment.state = derive_state(payment)
    session.flush()
