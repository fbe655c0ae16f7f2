"""The state machine: the one table says which transitions are allowed; every other one is
a 409 `invalid_order_transition` naming both states, and every step is in the timeline
with its actor."""

from __future__ import annotations

import itertools
import uuid

import pytest

from orion.kernel.errors import OrionError
from orion.modules.orders import services
from orion.modules.orders.exceptions import InvalidOrderTransition
from orion.modules.orders.models import Order
from orion.modules.orders.schemas import FulfillmentCreate, LineQuantity, OrderState, RefundCreate
from orion.modules.orders.services import states
from tests.modules.orders.conftest import ACTOR

S = OrderState


@pytest.mark.parametrize(("current", "requested"), list(itertools.product(S, S)))
def test_the_table_decides_every_pair_of_states(current, requested):
    order = Order(state=current.value, tenant_id=uuid.uuid4())
    if requested in states.TRANSITIONS[current]:
        states.check(order, requested)
    else:
        with pytest.raises(InvalidOrderTransition) as refused:
            states.check(order, requested)
        assert refused.value.status == 409
        assert refused.value.extra == {
            "current_state": current.value,
            "requested_state": requested.value,
        }
        assert current.value in refused.value.message


def test_terminal_and_entry_states():
    assert states.TRANSITIONS[S.REFUNDED] == frozenset()
    assert not any(S.PENDING in targets for targets in states.TRANSITIONS.values())


# -- every step from every state, through the services -------------------------------------


def ship(part: bool):  # type: ignore[no-untyped-def]
    def step(shop, order_id):  # type: ignore[no-untyped-def]
        item = shop.order(order_id).items[0]
        lines = [LineQuantity(item_id=item.id, quantity=1)] if part else None
        return shop.call(
            services.create_fulfillment,
            order_id,
            data=FulfillmentCreate(lines=lines, carrier="DHL"),
        )

    return step


def refund(part: bool):  # type: ignore[no-untyped-def]
    def step(shop, order_id):  # type: ignore[no-untyped-def]
        order = shop.order(order_id)
        amount = 100 if part else order.paid_total - order.refunded_total
        return shop.call(services.refund, order_id, data=RefundCreate(amount=amount or 1))

    return step


ACTIONS = {
    "confirm": lambda shop, order_id: shop.call(services.confirm, order_id),
    "pay": lambda shop, order_id: shop.call(services.record_payment, order_id),
    "cancel": lambda shop, order_id: shop.call(services.cancel, order_id),
    "ship_part": ship(True),
    "ship_all": ship(False),
    "complete": lambda shop, order_id: shop.call(services.complete, order_id),
    "refund_part": refund(True),
    "refund_all": refund(False),
}
TARGET = {
    "confirm": S.CONFIRMED,
    "pay": S.PAID,
    "cancel": S.CANCELED,
    "ship_part": S.PARTIALLY_FULFILLED,
    "ship_all": S.FULFILLED,
    "complete": S.COMPLETED,
    "refund_part": S.PARTIALLY_REFUNDED,
    "refund_all": S.REFUNDED,
}
# How each state is reached (an order of 3 mugs), and what is allowed from it.
PATHS = {
    S.PENDING: (),
    S.CONFIRMED: ("confirm",),
    S.PAID: ("pay",),
    S.PARTIALLY_FULFILLED: ("pay", "ship_part"),
    S.FULFILLED: ("pay", "ship_all"),
    S.COMPLETED: ("pay", "ship_all", "complete"),
    S.CANCELED: ("pay", "cancel"),
    S.REFUNDED: ("pay", "refund_all"),
    S.PARTIALLY_REFUNDED: ("pay", "refund_part"),
}
ALLOWED = {
    S.PENDING: {"confirm", "pay", "cancel"},
    S.CONFIRMED: {"pay", "cancel", "ship_part", "ship_all"},
    S.PAID: {"cancel", "ship_part", "ship_all", "refund_part", "refund_all"},
    S.PARTIALLY_FULFILLED: {"ship_part", "ship_all", "refund_part", "refund_all"},
    S.FULFILLED: {"complete", "refund_part", "refund_all"},
    S.COMPLETED: {"refund_part", "refund_all"},
    S.CANCELED: {"refund_part", "refund_all"},
    S.REFUNDED: set(),
    S.PARTIALLY_REFUNDED: {"ship_part", "ship_all", "refund_part", "refund_all"},
}


def reach(shop, state: S):  # type: ignore[no-untyped-def]
    order = shop.place(("MUG", 3), shipping_total=500)
    for action in PATHS[state]:
        ACTIONS[action](shop, order.id)
    assert shop.order(order.id).state == state
    return order.id


@pytest.mark.parametrize(
    ("state", "action"), [(state, action) for state in S for action in ACTIONS]
)
def test_each_step_from_each_state(shop, state, action):
    order_id = reach(shop, state)
    if action in ALLOWED[state]:
        ACTIONS[action](shop, order_id)
        assert shop.order(order_id).state == TARGET[action]
        with shop.work() as session:
            last = services.order_events(session, shop.tenant, order_id=order_id)[-1]
        assert (last.from_state, last.to_state, last.actor) == (state, TARGET[action], ACTOR)
    else:
        with pytest.raises(OrionError) as refused:
            ACTIONS[action](shop, order_id)
        assert (refused.value.status, refused.value.code) == (409, "invalid_order_transition")
        assert refused.value.extra["current_state"] == state
        assert shop.order(order_id).state == state


def test_the_timeline_holds_every_step_in_order(shop):
    order_id = reach(shop, S.COMPLETED)
    with shop.work() as session:
        timeline = services.order_events(session, shop.tenant, order_id=order_id)
    assert [(e.kind, e.from_state, e.to_state) for e in timeline] == [
        ("placed", None, "pending"),
        ("paid", "pending", "paid"),
        ("fulfillment_created", "paid", "fulfilled"),
        ("completed", "fulfilled", "completed"),
    ]
    assert all(e.actor == ACTOR and e.created_at is not None for e in timeline)


def test_a_part_payment_keeps_the_state_until_the_rest_comes(shop):
    order = shop.place(("MUG", 1))  # 14.90
    shop.call(services.record_payment, order.id, amount=1000)
    assert (shop.order(order.id).state, shop.order(order.id).paid_total) == ("pending", 1000)
    with pytest.raises(OrionError) as refused:
        shop.call(services.record_payment, order.id, amount=491)
    assert [e.field for e in refused.value.errors] == ["amount"]
    shop.call(services.record_payment, order.id, amount=490)
    assert shop.order(order.id).state == "paid"


def test_an_order_shipped_on_account_can_be_paid_later(shop):
    order = shop.place(("MUG", 1))
    shop.call(services.confirm, order.id)
    ship(False)(shop, order.id)
    shop.call(services.record_payment, order.id)
    detail = shop.order(order.id)
    assert (detail.state, detail.paid_total) == ("fulfilled", detail.grand_total)
