"""Shipments, returns and refunds: quantities checked per line, inventory told through
the events (in the same transaction), credit notes for refunds."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orion.kernel.errors import OrionError
from orion.modules.orders import services
from orion.modules.orders.schemas import (
    FulfillmentCreate,
    LineQuantity,
    RefundCreate,
    ReturnCreate,
)
from orion.modules.orders.services.totals import vat_in


def lines(detail, *quantities):  # type: ignore[no-untyped-def]
    return [
        LineQuantity(item_id=item.id, quantity=q)
        for item, q in zip(detail.items, quantities, strict=False)
        if q
    ]


def test_shipping_part_then_the_rest(shop):
    order = shop.place(("MUG", 3), ("BOOK", 1))
    shop.call(services.record_payment, order.id)
    detail = shop.order(order.id)
    first = shop.call(
        services.create_fulfillment,
        order.id,
        data=FulfillmentCreate(lines=lines(detail, 2), carrier="POST", tracking_number="LU1"),
    )
    assert [(line.item_id, line.quantity) for line in first.lines] == [(detail.items[0].id, 2)]
    assert shop.order(order.id).state == "partially_fulfilled"
    shop.call(services.create_fulfillment, order.id, data=FulfillmentCreate(carrier="POST"))
    after = shop.order(order.id)
    assert after.state == "fulfilled"
    assert [i.fulfilled_quantity for i in after.items] == [3, 1]
    with shop.work() as session:
        shipments = services.order_fulfillments(session, shop.tenant, order_id=order.id)
    assert [
        (f.carrier, f.tracking_number, sum(x.quantity for x in f.lines)) for f in shipments
    ] == [
        ("POST", "LU1", 2),
        ("POST", None, 2),
    ]


def test_shipping_more_than_ordered_or_another_orders_item_names_the_line(shop):
    order, other = shop.place(("MUG", 1)), shop.place(("BOOK", 1))
    shop.call(services.confirm, order.id)
    detail, foreign = shop.order(order.id), shop.order(other.id)
    with pytest.raises(OrionError) as refused:
        shop.call(
            services.create_fulfillment,
            order.id,
            data=FulfillmentCreate(
                lines=[
                    LineQuantity(item_id=detail.items[0].id, quantity=2),
                    LineQuantity(item_id=foreign.items[0].id, quantity=1),
                ]
            ),
        )
    assert [e.field for e in refused.value.errors] == ["lines[0].quantity", "lines[1].item_id"]
    assert shop.order(order.id).state == "confirmed"


def test_stock_follows_shipments_and_restocked_returns(stocked_shop):
    from orion.modules.inventory.models import StockLevel

    shop = stocked_shop

    def level():  # type: ignore[no-untyped-def]
        with shop.work() as session:
            row = session.scalars(
                select(StockLevel).where(StockLevel.product_id == shop.products["MUG"])
            ).one()
            return row.on_hand, row.reserved

    order = shop.place(("MUG", 4))
    assert level() == (10, 4)
    shop.call(services.record_payment, order.id)
    detail = shop.order(order.id)
    shop.call(services.create_fulfillment, order.id, data=FulfillmentCreate(lines=lines(detail, 3)))
    assert level() == (7, 1)
    shop.call(services.create_fulfillment, order.id, data=FulfillmentCreate())
    assert level() == (6, 0)
    shop.call(
        services.receive_return, order.id, data=ReturnCreate(lines=lines(detail, 2), restock=True)
    )
    assert level() == (8, 0)
    shop.call(
        services.receive_return, order.id, data=ReturnCreate(lines=lines(detail, 1), restock=False)
    )
    assert level() == (8, 0)
    assert [i.returned_quantity for i in shop.order(order.id).items] == [3]
    with pytest.raises(OrionError) as refused:
        shop.call(services.receive_return, order.id, data=ReturnCreate(lines=lines(detail, 2)))
    assert [e.field for e in refused.value.errors] == ["lines[0].quantity"]


def test_nothing_can_come_back_before_it_shipped(shop):
    order = shop.place(("MUG", 1))
    shop.call(services.record_payment, order.id)
    detail = shop.order(order.id)
    with pytest.raises(OrionError) as refused:
        shop.call(services.receive_return, order.id, data=ReturnCreate(lines=lines(detail, 1)))
    assert refused.value.code == "invalid_order_transition"


def test_refunding_lines_issues_a_credit_note_with_their_vat(shop):
    order = shop.place(("MUG", 2), ("BOOK", 1))  # 2980 @17 %, 3200 @3 %
    shop.call(services.record_payment, order.id)
    detail = shop.order(order.id)
    after, note = shop.call(
        services.refund, order.id, data=RefundCreate(lines=lines(detail, 1, 1), reason="broken")
    )
    assert after.state == "partially_refunded"
    assert (note.amount, after.refunded_total) == (1490 + 3200, 4690)
    assert note.vat_total == vat_in(1490, 1700) + vat_in(3200, 300)
    assert note.snapshot["vat_breakdown"]["1700"] == {
        "gross": 1490,
        "vat": vat_in(1490, 1700),
        "net": 1490 - vat_in(1490, 1700),
    }
    assert note.number == f"{shop.store_code}-{note.issued_at.year}-00001"
    _, second = shop.call(services.refund, order.id, data=RefundCreate(lines=lines(detail, 1)))
    assert second.number.endswith("-00002")
    assert shop.order(order.id).state == "refunded"
    with pytest.raises(OrionError) as refused:
        shop.call(services.refund, order.id, data=RefundCreate(amount=1))
    assert refused.value.code == "invalid_order_transition"


def test_a_refund_of_a_discounted_line_gives_back_what_was_paid_for_it(shop):
    order = shop.place(("BOOK", 2), discount_total=640)  # 6400 - 10 %
    shop.call(services.record_payment, order.id)
    detail = shop.order(order.id)
    _, note = shop.call(services.refund, order.id, data=RefundCreate(lines=lines(detail, 1)))
    assert note.amount == 2880


def test_refunding_more_than_was_paid_is_refused(shop):
    order = shop.place(("MUG", 1))
    shop.call(services.record_payment, order.id)
    with pytest.raises(OrionError) as refused:
        shop.call(services.refund, order.id, data=RefundCreate(amount=1491))
    assert (refused.value.status, refused.value.code) == (409, "nothing_to_refund")
    assert refused.value.extra["refundable"] == 1490
    assert shop.order(order.id).refunded_total == 0
