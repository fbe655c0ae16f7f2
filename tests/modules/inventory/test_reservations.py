"""Stock promised to orders: reserved when one is placed (or the order fails), released on
cancellation or expiry, fulfilled when it ships, restocked when it comes back; the ledger
equal to the levels after each."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from orion.kernel.data.db import utcnow
from orion.modules.inventory import services
from orion.modules.inventory.exceptions import InsufficientStock
from orion.modules.inventory.models import InventoryTransaction, Reservation
from orion.modules.inventory.schemas import InventorySettingsUpdate, LevelUpdate
from orion.modules.inventory.tasks import release_expired_reservations
from orion.modules.orders.events import (
    FulfillmentCreated,
    OrderCanceled,
    OrderLine,
    OrderPaid,
    ReturnReceived,
)
from tests.modules.inventory.conftest import placed


def reservations_of(shop, order_id) -> list[Reservation]:
    with shop.work() as session:
        return list(
            session.scalars(
                select(Reservation)
                .where(Reservation.reference == f"order:{order_id}")
                .order_by(Reservation.position, Reservation.created_at)
            )
        )


def lines(*items) -> list[OrderLine]:
    return [
        OrderLine(position=i, product_id=p.id, variant_id=None, sku=p.sku, quantity=q)
        for i, (p, q) in enumerate(items)
    ]


def test_placing_an_order_reserves_each_line_and_the_catalog_sees_less_available(shop):
    main = shop.location("main")
    beans, mug = shop.product(), shop.product()
    shop.receive(main, beans, 10)
    shop.receive(main, mug, 3)

    order_id = shop.place((beans, 4), (mug, 1))

    assert shop.level(main, beans) == (10, 4)
    assert shop.level(main, mug) == (3, 1)
    assert shop.available(beans) == 6 and shop.available(mug) == 2
    held = reservations_of(shop, order_id)
    assert [(r.sku, r.quantity, r.state, r.position) for r in held] == [
        (beans.sku, 4, "active", 0),
        (mug.sku, 1, "active", 1),
    ]
    assert all(r.expires_at is not None for r in held)  # a day, the default
    assert shop.ledger_is_exact()


def test_a_short_line_fails_the_whole_order_naming_the_line_and_the_sku(shop):
    main = shop.location("main")
    beans, mug = shop.product(), shop.product()
    shop.receive(main, beans, 10)
    shop.receive(main, mug, 1)

    with pytest.raises(InsufficientStock) as short:
        shop.place((beans, 2), (mug, 2))

    assert short.value.status == 409 and short.value.code == "insufficient_stock"
    assert [(e.field, e.type) for e in short.value.errors] == [
        ("items[1].quantity", "insufficient_stock")
    ]
    assert mug.sku in short.value.message and short.value.extra["available"] == 1
    assert shop.level(main, beans) == (10, 0)  # the first line's reservation rolled back too
    assert shop.ledger_is_exact()


def test_two_lines_of_one_product_are_counted_together(shop):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 5)

    with pytest.raises(InsufficientStock) as short:
        shop.place((beans, 3), (beans, 3))
    assert short.value.errors[0].field == "items[1].quantity"

    shop.place((beans, 3), (beans, 2))
    assert shop.level(main, beans) == (5, 5)
    assert shop.ledger_is_exact()


def test_a_line_is_split_over_the_locations_by_priority_then_code(shop):
    backroom = shop.location("backroom", priority=20)
    annex = shop.location("annex", priority=20)
    main = shop.location("main", priority=10)
    closed = shop.location("closed", priority=1, active=False)
    beans = shop.product()
    for location, quantity in ((main, 2), (annex, 2), (backroom, 5), (closed, 50)):
        shop.receive(location, beans, quantity)

    order_id = shop.place((beans, 6))

    held = {r.location_id: r.quantity for r in reservations_of(shop, order_id)}
    assert held == {main.id: 2, annex.id: 2, backroom.id: 2}
    assert shop.level(closed, beans) == (50, 0)  # an inactive location serves no order
    assert shop.available(beans) == 3
    with pytest.raises(InsufficientStock):
        shop.place((beans, 4))


def test_an_item_without_any_level_is_sold_untracked(shop):
    shop.location("main")
    untracked = shop.product()

    order_id = shop.place((untracked, 100))

    assert reservations_of(shop, order_id) == []
    assert shop.available(untracked) is None


def test_an_item_with_levels_only_at_inactive_locations_is_tracked_and_short(shop):
    closed = shop.location("closed", active=False)
    beans = shop.product()
    shop.receive(closed, beans, 10)

    with pytest.raises(InsufficientStock):
        shop.place((beans, 1))


def test_cancelling_releases_what_the_order_holds_once(shop):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 5)
    order_id = shop.place((beans, 4))
    canceled = OrderCanceled(
        order_id=order_id, store_id=shop.store_id, tenant_id=shop.tenant.tenant_id
    )

    for _ in range(2):  # a redelivery changes nothing
        with shop.work() as session:
            services.on_order_canceled(session, canceled)

    assert shop.level(main, beans) == (5, 0)
    assert [(r.state, r.released) for r in reservations_of(shop, order_id)] == [("released", 4)]
    with shop.work() as session:
        kinds = session.scalars(
            select(InventoryTransaction.kind).order_by(InventoryTransaction.created_at)
        ).all()
    assert kinds == ["receive", "reserve", "release"]
    assert shop.available(beans) == 5 and shop.ledger_is_exact()


def test_shipping_turns_the_reservation_into_fulfilment(shop):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 10)
    order_id = shop.place((beans, 4))

    def ship(quantity: int) -> None:
        with shop.work() as session:
            shop.publish(
                session,
                FulfillmentCreated(
                    order_id=order_id,
                    store_id=shop.store_id,
                    fulfillment_id=uuid.uuid4(),
                    lines=lines((beans, quantity)),
                ),
            )

    ship(1)
    assert shop.level(main, beans) == (9, 3)
    ship(3)
    assert shop.level(main, beans) == (6, 0)
    [reservation] = reservations_of(shop, order_id)
    assert (reservation.state, reservation.fulfilled) == ("fulfilled", 4)
    assert shop.available(beans) == 6 and shop.ledger_is_exact()


def test_shipping_more_than_reserved_takes_available_stock_or_fails(shop):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 3)
    order_id = shop.place((beans, 1))
    shipped = FulfillmentCreated(
        order_id=order_id,
        store_id=shop.store_id,
        fulfillment_id=uuid.uuid4(),
        lines=lines((beans, 2)),
    )
    with shop.work() as session:
        shop.publish(session, shipped)
    assert shop.level(main, beans) == (1, 0)

    too_many = shipped.model_copy(update={"lines": lines((beans, 2))})
    with pytest.raises(InsufficientStock), shop.work() as session:
        shop.publish(session, too_many)
    assert shop.level(main, beans) == (1, 0) and shop.ledger_is_exact()


def test_a_restocked_return_goes_back_where_it_was_shipped_from(shop):
    main, shop_floor = shop.location("main", priority=10), shop.location("shop", priority=20)
    beans = shop.product()
    shop.receive(main, beans, 1)
    shop.receive(shop_floor, beans, 5)
    order_id = shop.place((beans, 3))  # 1 from main, 2 from the shop
    with shop.work() as session:
        shop.publish(
            session,
            FulfillmentCreated(
                order_id=order_id,
                store_id=shop.store_id,
                fulfillment_id=uuid.uuid4(),
                lines=lines((beans, 3)),
            ),
        )
    assert (shop.level(main, beans), shop.level(shop_floor, beans)) == ((0, 0), (3, 0))

    def returned(quantity: int, restock: bool) -> None:
        with shop.work() as session:
            shop.publish(
                session,
                ReturnReceived(
                    order_id=order_id,
                    store_id=shop.store_id,
                    return_id=uuid.uuid4(),
                    lines=lines((beans, quantity)),
                    restock=restock,
                ),
            )

    returned(1, restock=False)  # damaged: not back on hand
    assert (shop.level(main, beans), shop.level(shop_floor, beans)) == ((0, 0), (3, 0))
    returned(2, restock=True)
    assert (shop.level(main, beans), shop.level(shop_floor, beans)) == ((1, 0), (4, 0))
    with shop.work() as session:
        entries = session.scalars(
            select(InventoryTransaction.on_hand_delta).where(InventoryTransaction.kind == "return")
        ).all()
    assert sorted(entries) == [1, 1]
    assert shop.available(beans) == 5 and shop.ledger_is_exact()


def test_the_expiry_task_releases_unpaid_orders_and_keeps_paid_ones(shop, runtime):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 10)
    with shop.work() as session:
        services.update_settings(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=InventorySettingsUpdate(reservation_ttl_minutes=30),
        )
    unpaid, paid = shop.place((beans, 2)), shop.place((beans, 3))
    with shop.work() as session:
        shop.publish(
            session,
            OrderPaid(order_id=paid, store_id=shop.store_id, amount=0, currency="EUR"),
        )
    [first] = reservations_of(shop, unpaid)
    assert first.expires_at is not None
    assert timedelta(minutes=29) < first.expires_at - utcnow() <= timedelta(minutes=30)

    with runtime.database.unit_of_work() as session:
        assert services.release_expired(session, now=utcnow() + timedelta(minutes=10)) == 0
    with runtime.database.unit_of_work() as session:
        released = services.release_expired(session, now=utcnow() + timedelta(minutes=31))
    assert released >= 1

    assert [r.state for r in reservations_of(shop, unpaid)] == ["released"]
    assert [r.state for r in reservations_of(shop, paid)] == ["active"]
    assert shop.level(main, beans) == (10, 3) and shop.ledger_is_exact()
    with runtime.database.unit_of_work() as session:  # the task, as Beat runs it
        assert release_expired_reservations(session) >= 0
    assert shop.level(main, beans) == (10, 3)


def test_a_store_may_keep_reservations_until_cancelled(shop):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 10)
    with shop.work() as session:
        services.update_settings(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=InventorySettingsUpdate(reservation_ttl_minutes=None),
        )
        assert (
            services.get_settings(
                session, shop.tenant, store_id=shop.store_id
            ).reservation_ttl_minutes
            is None
        )

    order_id = shop.place((beans, 2))

    assert [r.expires_at for r in reservations_of(shop, order_id)] == [None]


def test_level_events_announce_crossing_the_threshold_and_running_out(shop, heard):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 10)
    with shop.work() as session:
        level = services.levels_listing(session, shop.tenant, store_id=shop.store_id).data[0]
        services.update_level(
            session,
            shop.tenant,
            store_id=shop.store_id,
            level_id=level.id,
            data=LevelUpdate(low_stock_threshold=3),
        )

    shop.place((beans, 6))  # 4 left: above the threshold
    assert heard == []
    shop.place((beans, 2))  # 2 left: low
    shop.place((beans, 1))  # 1 left: still low, not announced again
    shop.place((beans, 1))  # 0: out

    assert [(e.name, getattr(e, "available", None)) for e in heard] == [
        ("inventory.stock_low", 2),
        ("inventory.out_of_stock", None),
    ]
    assert heard[0].threshold == 3 and heard[0].product_id == beans.id
    assert heard[0].tenant_id == shop.tenant.tenant_id


def test_the_reservation_is_a_handful_of_statements_for_the_whole_order(shop, runtime):
    from sqlalchemy import event

    main = shop.location("main")
    products = [shop.product() for _ in range(4)]
    for product in products:
        shop.receive(main, product, 10)
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    order = placed(shop.store_id, uuid.uuid4(), *((p, 1) for p in products))
    with shop.work() as session:
        session.connection()  # the transaction (and its tenant setting) begun
        event.listen(runtime.database.engine, "before_cursor_execute", count)
        try:
            services.reserve(
                session,
                shop.tenant,
                store_id=shop.store_id,
                reference="order:bench",
                lines=order.lines,
            )
        finally:
            event.remove(runtime.database.engine, "before_cursor_execute", count)

    ours = [s for s in sent if "inventory_" in s]
    # One locking SELECT, one UPDATE (executemany), one INSERT of the ledger, one of the
    # reservations; the rest is the catalog's record_stock, one per item.
    assert len(ours) == 4, ours
    assert len(sent) - len(ours) <= len(products), sent
