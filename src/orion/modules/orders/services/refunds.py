"""Refunds: money given back on a paid order, by amount or by lines, each with its credit
note (own gapless sequence per store and year).

* By lines: each line at its unit price times the quantity, less the order's discount in
  proportion (items total - discount over items total), capped at what is still refundable;
  the credit note's VAT follows each line's rate.
* By amount: the credit note's VAT shares the amount between the order's rates like the
  order's gross.

The order becomes `refunded` when everything paid has been refunded, else
`partially_refunded`. Stock is not touched: a return (restock) or a cancel does that.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.orders.exceptions import InvalidOrderTransition, NothingToRefund
from orion.modules.orders.models import CreditNote, Order
from orion.modules.orders.repository import OrderItemRepository
from orion.modules.orders.schemas import OrderState, RefundCreate
from orion.modules.orders.services import states, totals
from orion.modules.orders.services.invoices import issue_credit_note
from orion.modules.orders.services.shipping import chosen_lines
from orion.modules.orders.services.steps import locked_order


def _scaled(gross: int, order: Order) -> int:
    """`gross` less its share of the order's discount, rounded half up."""
    if not order.discount_total or not order.items_total:
        return gross
    charged = order.items_total - order.discount_total
    quotient, remainder = divmod(gross * charged, order.items_total)
    return quotient + (1 if remainder * 2 >= order.items_total else 0)


def refund(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    data: RefundCreate,
    actor: str | None = None,
) -> tuple[Order, CreditNote]:
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        if not states.allowed(order.state, OrderState.PARTIALLY_REFUNDED) and not states.allowed(
            order.state, OrderState.REFUNDED
        ):
            raise InvalidOrderTransition(
                current=order.state, requested=OrderState.REFUNDED, action="refund"
            )
        refundable = order.paid_total - order.refunded_total
        lines_snapshot: list[dict] = []
        if data.lines is not None:
            items = OrderItemRepository(session).of_order(order.id)
            room = {item.id: item.quantity - item.refunded_quantity for item in items}
            asked = chosen_lines(items, data.lines, room=room, what="refunded")
            groups: dict[int, int] = {}
            for item in items:
                count = asked.get(item.id, 0)
                if not count:
                    continue
                item.refunded_quantity += count
                amount = _scaled(item.unit_price * count, order)
                groups[item.vat_rate] = groups.get(item.vat_rate, 0) + amount
                lines_snapshot.append(
                    {
                        "sku": item.sku,
                        "title": item.title,
                        "quantity": count,
                        "unit_price": item.unit_price,
                        "vat_rate": item.vat_rate,
                        "amount": amount,
                    }
                )
            wanted = sum(groups.values())
            amount = min(wanted, refundable)
            if amount < wanted:  # the last cents of a discounted order: the rest paid
                top = max(groups)
                groups[top] -= wanted - amount
            vat = totals.breakdown({rate: gross for rate, gross in groups.items() if gross})
        else:
            assert data.amount is not None
            amount = data.amount
            vat = totals.refund_breakdown(amount, order.vat_breakdown)
        if amount <= 0 or amount > refundable:
            raise NothingToRefund(refundable=refundable, requested=amount)
        order.refunded_total += amount
        to = (
            OrderState.REFUNDED
            if order.refunded_total >= order.paid_total
            else OrderState.PARTIALLY_REFUNDED
        )
        states.check(order, to, action="refund")
        note = issue_credit_note(
            session,
            tenant,
            order,
            amount=amount,
            vat_breakdown=vat,
            lines=lines_snapshot,
            reason=data.reason,
        )
        states.record(
            session,
            order,
            "refunded",
            to=to,
            actor=actor,
            data={"amount": amount, "credit_note": note.number, "reason": data.reason},
        )
        session.flush()
        return order, note
