"""Shipments and returns of an order's items.

A fulfilment ships lines (all that is left when none are given): the order becomes
`partially_fulfilled` or `fulfilled`, inventory turns the shipped quantities' reservations
into fulfilment (`orders.fulfillment_created`, in this transaction) and, once every item
has shipped, `orders.order_fulfilled` is published. A return takes back shipped items
(`orders.return_received`, with `restock`); it changes no state: a refund does.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError
from orion.kernel.runtime.events import publish
from orion.modules.orders.events import (
    FulfillmentCreated,
    OrderFulfilled,
    OrderLine,
    ReturnReceived,
)
from orion.modules.orders.exceptions import InvalidOrderTransition, OrderInvalid
from orion.modules.orders.models import (
    Fulfillment,
    FulfillmentItem,
    OrderItem,
    Return,
    ReturnItem,
)
from orion.modules.orders.repository import OrderItemRepository
from orion.modules.orders.schemas import FulfillmentCreate, LineQuantity, OrderState, ReturnCreate
from orion.modules.orders.services import states
from orion.modules.orders.services.steps import locked_order


def chosen_lines(
    items: Sequence[OrderItem],
    lines: Sequence[LineQuantity],
    *,
    room: dict[uuid.UUID, int],
    what: str,
) -> dict[uuid.UUID, int]:
    """Quantities asked per item (a line naming an item twice adds up), each within
    `room[item]`; a 422 naming `lines[i].item_id` / `lines[i].quantity` otherwise."""
    known = {item.id for item in items}
    asked: dict[uuid.UUID, int] = {}
    errors = []
    for index, line in enumerate(lines):
        if line.item_id not in known:
            errors.append(FieldError(f"lines[{index}].item_id", "is not an item of this order"))
            continue
        asked[line.item_id] = asked.get(line.item_id, 0) + line.quantity
        if asked[line.item_id] > room[line.item_id]:
            errors.append(
                FieldError(
                    f"lines[{index}].quantity",
                    f"only {room[line.item_id]} of this item can be {what}",
                )
            )
    if errors:
        raise OrderInvalid("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return asked


def event_lines(items: Sequence[OrderItem], quantities: dict[uuid.UUID, int]) -> list[OrderLine]:
    return [
        OrderLine(
            position=item.position,
            product_id=item.product_id,
            variant_id=item.variant_id,
            sku=item.sku,
            quantity=quantities[item.id],
        )
        for item in items
        if quantities.get(item.id)
    ]


def create_fulfillment(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    data: FulfillmentCreate,
    actor: str | None = None,
) -> Fulfillment:
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        # Refuse on the state first: an order that cannot ship says so, whatever the lines.
        if not (
            states.allowed(order.state, OrderState.FULFILLED)
            or states.allowed(order.state, OrderState.PARTIALLY_FULFILLED)
        ):
            raise InvalidOrderTransition(
                current=order.state, requested=OrderState.FULFILLED, action="fulfillment"
            )
        items = OrderItemRepository(session).of_order(order.id)
        room = {item.id: item.quantity - item.fulfilled_quantity for item in items}
        if data.lines is None:
            shipped = {item_id: left for item_id, left in room.items() if left > 0}
        else:
            shipped = chosen_lines(items, data.lines, room=room, what="shipped")
        if not shipped:
            raise OrderInvalid.field("lines", "every item of this order has shipped already")
        for item in items:
            item.fulfilled_quantity += shipped.get(item.id, 0)
        done = all(item.fulfilled_quantity == item.quantity for item in items)
        fulfillment = Fulfillment(
            id=uuid.uuid4(),
            tenant_id=tenant.tenant_id,
            order_id=order.id,
            carrier=data.carrier,
            tracking_number=data.tracking_number,
            actor=actor,
        )
        session.add(fulfillment)
        session.add_all(
            FulfillmentItem(
                tenant_id=tenant.tenant_id,
                fulfillment_id=fulfillment.id,
                item_id=item_id,
                quantity=quantity,
            )
            for item_id, quantity in shipped.items()
        )
        states.record(
            session,
            order,
            "fulfillment_created",
            to=OrderState.FULFILLED if done else OrderState.PARTIALLY_FULFILLED,
            actor=actor,
            data={
                "fulfillment_id": str(fulfillment.id),
                "carrier": data.carrier,
                "tracking_number": data.tracking_number,
                "quantity": sum(shipped.values()),
            },
        )
        session.flush()
        publish(
            session,
            FulfillmentCreated(
                order_id=order.id,
                store_id=order.store_id,
                fulfillment_id=fulfillment.id,
                lines=event_lines(items, shipped),
            ),
        )
        if done:
            publish(session, OrderFulfilled(order_id=order.id, store_id=order.store_id))
        session.flush()
        session.refresh(fulfillment, ["lines"])
        return fulfillment


def receive_return(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    data: ReturnCreate,
    actor: str | None = None,
) -> Return:
    """Goods of shipped items came back; inventory restocks them if `restock`."""
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        if OrderState(order.state) not in states.SHIPPED:
            raise InvalidOrderTransition(
                current=order.state, requested=order.state, action="return (nothing shipped)"
            )
        items = OrderItemRepository(session).of_order(order.id)
        room = {item.id: item.fulfilled_quantity - item.returned_quantity for item in items}
        returned = chosen_lines(items, data.lines, room=room, what="returned")
        for item in items:
            item.returned_quantity += returned.get(item.id, 0)
        record = Return(
            id=uuid.uuid4(),
            tenant_id=tenant.tenant_id,
            order_id=order.id,
            restock=data.restock,
            reason=data.reason,
            actor=actor,
        )
        session.add(record)
        session.add_all(
            ReturnItem(
                tenant_id=tenant.tenant_id, return_id=record.id, item_id=item_id, quantity=count
            )
            for item_id, count in returned.items()
        )
        states.record(
            session,
            order,
            "return_received",
            actor=actor,
            data={
                "return_id": str(record.id),
                "restock": data.restock,
                "quantity": sum(returned.values()),
            },
        )
        session.flush()
        publish(
            session,
            ReturnReceived(
                order_id=order.id,
                store_id=order.store_id,
                return_id=record.id,
                lines=event_lines(items, returned),
                restock=data.restock,
            ),
        )
        session.flush()
        session.refresh(record, ["lines"])
        return record
