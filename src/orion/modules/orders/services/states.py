"""The order's state machine: the one table of allowed transitions, and the step that
records each one in the timeline.

    pending ──► confirmed ──► paid ──► partially_fulfilled ──► fulfilled ──► completed
       │            │          │              │                    │            │
       └────────────┴──────────┴─► canceled   └──────► partially_refunded / refunded ◄┘

A confirmed order may ship before it is paid (invoice or cash on delivery); payment is
recorded by hand on pending or confirmed orders (and, without a change of state, on
shipped ones still owing). A canceled order that was paid can still be refunded; a
partially refunded one can still ship. `partially_fulfilled` and `partially_refunded` may
repeat (a second parcel, a second refund). Completing needs every item shipped.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orion.modules.orders.exceptions import InvalidOrderTransition
from orion.modules.orders.models import Order, OrderEvent
from orion.modules.orders.schemas import OrderState as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.PAID, S.CANCELED}),
    S.CONFIRMED: frozenset({S.PAID, S.PARTIALLY_FULFILLED, S.FULFILLED, S.CANCELED}),
    S.PAID: frozenset(
        {S.PARTIALLY_FULFILLED, S.FULFILLED, S.CANCELED, S.PARTIALLY_REFUNDED, S.REFUNDED}
    ),
    S.PARTIALLY_FULFILLED: frozenset(
        {S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED}
    ),
    S.FULFILLED: frozenset({S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset(
        {S.PARTIALLY_REFUNDED, S.REFUNDED, S.PARTIALLY_FULFILLED, S.FULFILLED, S.COMPLETED}
    ),
    S.CANCELED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
}

# Shipped orders that may still owe money (shipped on account): a payment changes no state.
ON_ACCOUNT = frozenset({S.PARTIALLY_FULFILLED, S.FULFILLED, S.COMPLETED})
# Where returned goods can come from (the order shipped something).
SHIPPED = frozenset(
    {S.PARTIALLY_FULFILLED, S.FULFILLED, S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED}
)
# Orders that may have an invoice: accepted by the store (confirmed or paid) and onwards.
INVOICEABLE = frozenset(S) - {S.PENDING, S.CANCELED}


PLACED = "placed"


def allowed(current: str, requested: str) -> bool:
    return S(requested) in TRANSITIONS[S(current)]


def check(order: Order, requested: S, *, action: str | None = None) -> None:
    """409 `invalid_order_transition` naming both states unless the table allows it."""
    if not allowed(order.state, requested):
        raise InvalidOrderTransition(current=order.state, requested=requested, action=action)


def record(
    session: Session,
    order: Order,
    kind: str,
    *,
    to: S | None = None,
    actor: str | None,
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """Move `order` to `to` (checked against the table) and write the timeline entry; with
    no `to`, an entry that changes no state (a return)."""
    before = None if kind == PLACED else order.state  # an order is born pending
    if to is not None:
        check(order, to, action=kind)
        order.state = to.value
    entry = OrderEvent(
        tenant_id=order.tenant_id,
        order_id=order.id,
        kind=kind,
        from_state=before,
        to_state=order.state,
        actor=actor,
        data=data,
    )
    session.add(entry)
    return entry
