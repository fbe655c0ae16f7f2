"""Orders' handlers of the payments events: a capture is a payment on the order, a refund
the order's refund with its credit note; each applied once however often it is delivered,
and never refused for the order's state (the money has moved already)."""

from __future__ import annotations

import uuid

from orion.modules.orders import services as orders
from orion.modules.orders.services.payments import (
    record_captured_payment,
    record_refunded_payment,
)
from orion.modules.payments.events import PaymentCaptured, PaymentRefunded


def _captured(order, amount: int) -> PaymentCaptured:  # type: ignore[no-untyped-def]
    return PaymentCaptured(
        order_id=order.id, store_id=order.store_id, payment_id=uuid.uuid4(),
        capture_id=uuid.uuid4(), amount=amount, currency="EUR", provider="stripe",
    )  # fmt: skip


def test_a_capture_delivered_twice_is_recorded_once(paying):
    order = paying.order(("BOOK", 2))
    event = _captured(order, 6400)
    for _ in range(2):
        with paying.shop.work() as session:
            record_captured_payment(session, event)
    paid = paying.order_now(order.id)
    assert (paid.state, paid.paid_total) == ("paid", 6400)


def test_a_refund_delivered_twice_gives_one_credit_note(paying):
    order = paying.order(("BOOK", 2))
    with paying.shop.work() as session:
        record_captured_payment(session, _captured(order, 6400))
    event = PaymentRefunded(
        order_id=order.id, store_id=order.store_id, payment_id=uuid.uuid4(),
        refund_id=uuid.uuid4(), amount=1000, currency="EUR", provider="stripe",
    )  # fmt: skip
    for _ in range(2):
        with paying.shop.work() as session:
            record_refunded_payment(session, event)
    assert [n.amount for n in paying.credit_notes(order.id)] == [1000]
    assert paying.order_now(order.id).refunded_total == 1000


def test_money_taken_on_a_canceled_order_is_kept_on_it_to_be_refunded(paying):
    order = paying.order(("MUG", 1))
    paying.shop.call(orders.cancel, order.id)
    with paying.shop.work() as session:
        record_captured_payment(session, _captured(order, 1490))
    canceled = paying.order_now(order.id)
    assert (canceled.state, canceled.paid_total) == ("canceled", 1490)
    with paying.shop.work() as session:
        kinds = [
            e.kind for e in orders.order_events(session, paying.shop.tenant, order_id=order.id)
        ]
    assert kinds[-1] == "payment_recorded"
