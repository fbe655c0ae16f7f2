"""Receipts, adjustments and transfers through the service: one ledger row per level
touched, the catalog told what the store can sell, replays with a key moving nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from orion.kernel.errors import OrionError, ValidationFailed
from orion.modules.inventory import services
from orion.modules.inventory.exceptions import (
    BelowReserved,
    IdempotencyKeyReused,
    InsufficientStock,
    LocationNotFound,
)
from orion.modules.inventory.models import InventoryTransaction
from orion.modules.inventory.schemas import (
    AdjustmentCreate,
    LocationUpdate,
    ReceiptCreate,
    TransferCreate,
)


def test_receiving_adds_on_hand_writes_one_ledger_row_and_tells_the_catalog(shop):
    main = shop.location("main")
    product = shop.product()

    moved = shop.receive(main, product, 12)

    assert [(t.kind, t.on_hand_delta, t.on_hand_after) for t in moved.transactions] == [
        ("receive", 12, 12)
    ]
    assert shop.level(main, product) == (12, 0)
    assert shop.available(product) == 12
    shop.receive(main, product, 3)
    assert shop.level(main, product) == (15, 0)
    assert shop.ledger_is_exact()


def test_an_item_stocked_at_two_locations_is_available_as_their_sum(shop):
    main, shop_floor = shop.location("main"), shop.location("shop")
    product = shop.product()
    shop.receive(main, product, 7)
    shop.receive(shop_floor, product, 2)
    assert shop.available(product) == 9

    with shop.work() as session:  # a location switched off sells nothing
        services.update_location(
            session,
            shop.tenant,
            store_id=shop.store_id,
            location_id=shop_floor.id,
            data=LocationUpdate(is_active=False),
        )
    assert shop.available(product) == 7


def test_variants_have_levels_of_their_own(shop):
    main = shop.location("main")
    tee = shop.product("TEE", variants=("TEE-S", "TEE-M"))
    small, medium = tee.variant_ids
    shop.receive(main, tee, 4, variant_id=small)
    shop.receive(main, tee, 6, variant_id=medium)

    assert shop.level(main, tee, small) == (4, 0)
    assert shop.level(main, tee, medium) == (6, 0)
    assert shop.available(tee) == 10  # the catalog sums the variants
    with shop.work() as session, pytest.raises(ValidationFailed) as refused:
        services.receive(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=ReceiptCreate(location_id=main.id, product_id=tee.id, quantity=1),
        )
    assert [e.field for e in refused.value.errors] == ["variant_id"]


def test_adjusting_by_a_delta_or_to_a_count_keeps_the_reason(shop):
    main = shop.location("main")
    product = shop.product()
    shop.receive(main, product, 10)

    def adjust(mode: str, quantity: int, reason: str):
        with shop.work() as session:
            return services.adjust(
                session,
                shop.tenant,
                store_id=shop.store_id,
                data=AdjustmentCreate(
                    location_id=main.id,
                    product_id=product.id,
                    mode=mode,
                    quantity=quantity,
                    reason=reason,
                ),
            )

    broken = adjust("delta", -2, "two broken")
    assert (broken.reason, broken.transactions[0].on_hand_delta) == ("two broken", -2)
    counted = adjust("set", 5, "stock count")
    assert [(t.kind, t.on_hand_delta, t.on_hand_after) for t in counted.transactions] == [
        ("adjust", -3, 5)
    ]
    assert shop.level(main, product) == (5, 0)
    with pytest.raises(InsufficientStock) as short:
        adjust("delta", -6, "too many")
    assert short.value.errors[0].field == "quantity"
    assert shop.level(main, product) == (5, 0) and shop.ledger_is_exact()


def test_adjusting_below_what_orders_reserve_is_refused(shop):
    main = shop.location("main")
    product = shop.product()
    shop.receive(main, product, 5)
    shop.place((product, 3))

    with shop.work() as session, pytest.raises(BelowReserved) as refused:
        services.adjust(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=AdjustmentCreate(
                location_id=main.id, product_id=product.id, mode="set", quantity=2, reason="count"
            ),
        )
    assert refused.value.code == "stock_below_reserved"
    assert shop.level(main, product) == (5, 3)


def test_a_transfer_moves_available_units_in_two_ledger_rows(shop):
    main, shop_floor = shop.location("main"), shop.location("shop")
    product = shop.product()
    shop.receive(main, product, 8)
    shop.place((product, 6))  # 2 left available at main

    def transfer(quantity: int):
        with shop.work() as session:
            return services.transfer(
                session,
                shop.tenant,
                store_id=shop.store_id,
                data=TransferCreate(
                    from_location_id=main.id,
                    to_location_id=shop_floor.id,
                    product_id=product.id,
                    quantity=quantity,
                    reason="shelf",
                ),
            )

    with pytest.raises(InsufficientStock):
        transfer(3)
    moved = transfer(2)

    assert sorted((t.location_id, t.on_hand_delta) for t in moved.transactions) == sorted(
        [(main.id, -2), (shop_floor.id, 2)]
    )
    assert shop.level(main, product) == (6, 6)
    assert shop.level(shop_floor, product) == (2, 0)
    assert shop.available(product) == 2
    assert shop.ledger_is_exact()


def test_a_replay_with_the_same_key_moves_nothing_and_another_request_is_refused(shop):
    main = shop.location("main")
    product = shop.product()
    key = f"delivery-{uuid.uuid4()}"

    def receive(quantity: int):
        with shop.work() as session:
            return services.receive(
                session,
                shop.tenant,
                store_id=shop.store_id,
                data=ReceiptCreate(location_id=main.id, product_id=product.id, quantity=quantity),
                idempotency_key=key,
            )

    first, again = receive(5), receive(5)

    assert again.id == first.id
    assert [t.id for t in again.transactions] == [t.id for t in first.transactions]
    assert shop.level(main, product) == (5, 0)
    with shop.work() as session:
        rows = session.scalar(select(func.count()).select_from(InventoryTransaction))
    assert rows == 1
    with pytest.raises(IdempotencyKeyReused):
        receive(6)


def test_another_stores_location_or_product_is_not_found(shop, make_store):
    main = shop.location("main")
    product = shop.product()
    other = make_store(shop.tenant)

    with shop.work() as session, pytest.raises(LocationNotFound):
        services.receive(
            session,
            shop.tenant,
            store_id=other.id,
            data=ReceiptCreate(location_id=main.id, product_id=product.id, quantity=1),
        )
    with shop.work() as session, pytest.raises(OrionError) as unknown:
        services.receive(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=ReceiptCreate(location_id=main.id, product_id=uuid.uuid4(), quantity=1),
        )
    assert unknown.value.code == "product_not_found"
