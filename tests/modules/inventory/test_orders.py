"""Inventory with the orders module: placing an order reserves its stock or fails with
409, cancelling releases it through the outbox (a real worker), shipping and returns move
it; what orders does, inventory follows."""

from __future__ import annotations

from sqlalchemy import select

from orion.modules.inventory.models import Reservation
from orion.modules.orders import services as orders
from orion.modules.orders.schemas import FulfillmentCreate, LineQuantity, ReturnCreate
from tests.helpers import wait_for
from tests.modules.inventory.conftest import order_of
from tests.modules.tenancy.support import signed_in


def states_of(shop, order_id) -> list[str]:
    with shop.work() as session:
        return list(
            session.scalars(
                select(Reservation.state).where(Reservation.reference == f"order:{order_id}")
            )
        )


def test_an_order_placed_through_the_api_reserves_or_fails_with_409(
    shop, client, runtime, make_member
):
    main = shop.location("main")
    beans = shop.product("BEANS")
    shop.receive(main, beans, 2)
    user, _ = make_member(shop.tenant)
    headers = signed_in(runtime, user.id, shop.tenant.tenant_id)
    url = f"/api/v1/orders/stores/{shop.store_id}/orders"
    body = {"customer_email": "buyer@example.com", "items": [{"sku": "BEANS", "quantity": 3}]}

    short = client.post(url, json=body, headers=headers)

    assert short.status_code == 409, short.text
    problem = short.json()
    assert problem["code"] == "insufficient_stock" and problem["sku"] == "BEANS"
    assert [e["field"] for e in problem["errors"]] == ["items[0].quantity"]
    assert client.get(url, headers=headers).json()["data"] == []  # nothing was placed

    body["items"][0]["quantity"] = 2
    placed = client.post(url, json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    assert shop.level(main, beans) == (2, 2) and shop.available(beans) == 0
    assert states_of(shop, placed.json()["id"]) == ["active"]


def test_cancelling_an_order_releases_its_stock_after_commit(shop, worker):
    main = shop.location("main")
    beans = shop.product("BEANS")
    shop.receive(main, beans, 5)
    order = order_of(shop, ("BEANS", 3))
    assert shop.level(main, beans) == (5, 3)

    with shop.work() as session:
        orders.cancel(session, shop.tenant, store_id=shop.store_id, order_id=order.id)

    assert wait_for(lambda: shop.level(main, beans) == (5, 0)), shop.level(main, beans)
    assert states_of(shop, order.id) == ["released"]
    assert shop.available(beans) == 5 and shop.ledger_is_exact()


def test_shipping_and_a_restocked_return_follow_the_order(shop):
    main = shop.location("main")
    beans, mug = shop.product("BEANS"), shop.product("MUG")
    shop.receive(main, beans, 10)
    shop.receive(main, mug, 4)
    order = order_of(shop, ("BEANS", 3), ("MUG", 2))
    with shop.work() as session:
        orders.confirm(session, shop.tenant, store_id=shop.store_id, order_id=order.id)
        items = {i.sku: i.id for i in orders.order_items(session, shop.tenant, order_id=order.id)}

    with shop.work() as session:
        orders.create_fulfillment(
            session,
            shop.tenant,
            store_id=shop.store_id,
            order_id=order.id,
            data=FulfillmentCreate(lines=[LineQuantity(item_id=items["BEANS"], quantity=2)]),
        )
    assert shop.level(main, beans) == (8, 1)
    with shop.work() as session:
        orders.create_fulfillment(
            session,
            shop.tenant,
            store_id=shop.store_id,
            order_id=order.id,
            data=FulfillmentCreate(),
        )
    assert shop.level(main, beans) == (7, 0) and shop.level(main, mug) == (2, 0)
    assert sorted(states_of(shop, order.id)) == ["fulfilled", "fulfilled"]

    with shop.work() as session:
        orders.receive_return(
            session,
            shop.tenant,
            store_id=shop.store_id,
            order_id=order.id,
            data=ReturnCreate(lines=[LineQuantity(item_id=items["MUG"], quantity=1)], restock=True),
        )
    assert shop.level(main, mug) == (3, 0)
    assert shop.available(mug) == 3 and shop.ledger_is_exact()
