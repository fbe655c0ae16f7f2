"""What orders does when the payments module takes or gives back money: its events, in
the transaction that records the capture or refund (so the order moves with the money,
and captures reach it before the refunds that give them back).

* `payments.payment_captured`: the capture is recorded on the order (`record_payment`):
  `paid` once paid in full, and then its invoice is issued (a customer who paid online
  gets the invoice without staff issuing it; `issue_invoice` answers an existing one).
  Money beyond what the order owes (a second payment that crossed the first, an order
  canceled meanwhile) is kept on the order, noted on its timeline, so it can be refunded.
* `payments.payment_refunded`: the order's refund of that amount, with its credit note.
  What the order cannot refund (staff refunded it by hand already, an order never paid
  in full) is noted on its timeline instead.

The money has moved at the provider when these run: they never refuse for the order's
state (that would undo the payment's record, not the money). Each is idempotent by
itself: the capture's and the refund's ids ride in the timeline entry, and a second
delivery finding one does nothing. Payments is not imported here (it requires orders):
the events are read by their fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import acting_for, require_tenant
from orion.modules.orders.models import OrderEvent
from orion.modules.orders.schemas import OrderState, RefundCreate
from orion.modules.orders.services import states
from orion.modules.orders.services.invoices import issue_invoice
from orion.modules.orders.services.refunds import refund
from orion.modules.orders.services.steps import locked_order, record_payment

if TYPE_CHECKING:
    from orion.modules.payments.events import PaymentCaptured, PaymentRefunded

log = structlog.get_logger(__name__)

ACTOR = "payments"


def _seen(session: Session, order_id: object, field: str, value: str) -> bool:
    entries = session.scalars(
        select(OrderEvent.data).where(
            OrderEvent.order_id == order_id,
            OrderEvent.kind.in_(("paid", "payment_recorded", "refunded", "refund_recorded")),
        )
    )
    return any(isinstance(data, dict) and data.get(field) == value for data in entries)


def record_captured_payment(session: Session, event: PaymentCaptured) -> None:
    tenant = require_tenant(session)
    reference = f"{event.provider} payment {event.payment_id}, capture {event.capture_id}"
    with acting_for(session, tenant):
        order = locked_order(session, event.store_id, event.order_id)
        if _seen(session, order.id, "reference", reference):
            return
        outstanding = order.grand_total - order.paid_total
        payable = OrderState(order.state) in states.ON_ACCOUNT or states.allowed(
            order.state, OrderState.PAID
        )
        applied = min(event.amount, outstanding) if outstanding > 0 and payable else 0
        if applied:
            record_payment(
                session,
                tenant,
                store_id=order.store_id,
                order_id=order.id,
                amount=applied,
                reference=reference,
                actor=ACTOR,
            )
        if applied and order.paid_total >= order.grand_total:
            issue_invoice(session, tenant, store_id=order.store_id, order_id=order.id, actor=ACTOR)
        excess = event.amount - applied
        if excess:
            log.warning("payment_beyond_order", order_id=str(order.id), excess=excess)
            order.paid_total += excess
            states.record(
                session,
                order,
                "payment_recorded",
                actor=ACTOR,
                data={"amount": excess, "reference": reference, "beyond_order": True},
            )
            session.flush()


def record_refunded_payment(session: Session, event: PaymentRefunded) -> None:
    tenant = require_tenant(session)
    reason = f"Refund {event.refund_id} of the {event.provider} payment"
    if event.reason:
        reason = f"{reason}: {event.reason}"
    reason = reason[:500]
    with acting_for(session, tenant):
        order = locked_order(session, event.store_id, event.order_id)
        if _seen(session, order.id, "reason", reason):
            return
        amount = min(event.amount, order.paid_total - order.refunded_total)
        to = (
            OrderState.REFUNDED
            if order.refunded_total + amount >= order.paid_total
            else OrderState.PARTIALLY_REFUNDED
        )
        if amount > 0 and states.allowed(order.state, to):
            refund(
                session,
                tenant,
                store_id=order.store_id,
                order_id=order.id,
                data=RefundCreate(amount=amount, reason=reason),
                actor=ACTOR,
            )
        else:
            amount = 0
        if event.amount > amount:
            log.warning("refund_beyond_order", order_id=str(order.id), amount=event.amount - amount)
            states.record(
                session,
                order,
                "refund_recorded",
                actor=ACTOR,
                data={"amount": event.amount - amount, "reason": reason, "credit_note": None},
            )
            session.flush()
