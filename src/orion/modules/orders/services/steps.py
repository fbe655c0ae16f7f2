"""The steps of an order's life that only change its state: confirm, record a payment,
cancel, complete. Each locks the order's row, checks the transition table, records the
timeline entry with the actor, and publishes what other modules react to."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime.events import publish
from orion.modules.orders.events import OrderCanceled, OrderPaid
from orion.modules.orders.exceptions import InvalidOrderTransition, OrderInvalid
from orion.modules.orders.models import Order
from orion.modules.orders.repository import OrderItemRepository, OrderRepository
from orion.modules.orders.schemas import OrderState
from orion.modules.orders.services import states


def locked_order(session: Session, store_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    return OrderRepository(session).of_store(store_id, order_id, lock=True)


def confirm(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    actor: str | None = None,
) -> Order:
    """The store accepts the order (it may then ship before payment, or be invoiced)."""
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        states.record(session, order, "confirmed", to=OrderState.CONFIRMED, actor=actor)
        session.flush()
        return order


def record_payment(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    amount: int | None = None,
    reference: str | None = None,
    actor: str | None = None,
) -> Order:
    """A payment received by hand (transfer, cash). The whole outstanding amount by
    default; a part is recorded and the order stays as it is until the rest comes in.
    When the order is paid in full it becomes `paid` and `orders.order_paid` is published."""
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        outstanding = order.grand_total - order.paid_total
        on_account = OrderState(order.state) in states.ON_ACCOUNT and outstanding > 0
        if not on_account:
            states.check(order, OrderState.PAID, action="payment")
        amount = outstanding if amount is None else amount
        if amount > outstanding:
            raise OrderInvalid.field(
                "amount", f"is more than the {outstanding} still to pay on this order"
            )
        if amount <= 0 and outstanding > 0:
            raise OrderInvalid.field("amount", "must be greater than 0")
        order.paid_total += amount
        data = {"amount": amount, "reference": reference}
        if order.paid_total < order.grand_total or on_account:
            states.record(session, order, "payment_recorded", actor=actor, data=data)
        else:
            states.record(session, order, "paid", to=OrderState.PAID, actor=actor, data=data)
        if order.paid_total >= order.grand_total:
            publish(
                session,
                OrderPaid(
                    order_id=order.id,
                    store_id=order.store_id,
                    amount=order.paid_total,
                    currency=order.currency,
                ),
            )
        session.flush()
        return order


def cancel(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    reason: str | None = None,
    actor: str | None = None,
) -> Order:
    """Cancel an order nothing of which has shipped; inventory releases its reservations
    (`orders.order_canceled`, after commit). A paid order can be refunded afterwards."""
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        states.record(
            session,
            order,
            "canceled",
            to=OrderState.CANCELED,
            actor=actor,
            data={"reason": reason} if reason else None,
        )
        publish(session, OrderCanceled(order_id=order.id, store_id=order.store_id))
        session.flush()
        return order


def complete(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    actor: str | None = None,
) -> Order:
    """Close a delivered order (every item shipped)."""
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        items = OrderItemRepository(session).of_order(order.id)
        if not all(item.fulfilled_quantity == item.quantity for item in items):
            raise InvalidOrderTransition(
                current=order.state,
                requested=OrderState.COMPLETED,
                action="completion (not everything has shipped)",
            )
        states.record(session, order, "completed", to=OrderState.COMPLETED, actor=actor)
        session.flush()
        return order
