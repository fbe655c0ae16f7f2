"""A customer's orders in its export and through its erasure (the orders module's
`customer_data` provider): the order keeps its amounts and lines, loses the person."""

from __future__ import annotations

import uuid

import pytest

from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import ItemCreate
from orion.modules.customers import services
from orion.modules.orders import services as orders
from orion.modules.orders.schemas import Address, OrderCreate


@pytest.fixture
def selling_shop(shop, enable):  # type: ignore[no-untyped-def]
    enable("orders", tenant_id=shop.tenant.tenant_id)
    with shop.work() as session:
        catalog.create_product(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=ItemCreate(
                sku="MUG", titles={"en": "Mug"}, price=1490, vat_rate=1700, status="active"
            ),
        )
    return shop


def _order_for(shop, customer_id: uuid.UUID, email: str):  # type: ignore[no-untyped-def]
    with shop.work() as session:
        placed = orders.place_order(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=OrderCreate(
                items=[{"sku": "MUG", "quantity": 2}],
                customer_email=email,
                customer_name="Olga Orders",
                shipping_address=Address(
                    name="Olga Orders", line1="9 rue", postal_code="1", city="Lux", country="LU"
                ),
            ),
            actor="test",
            customer_id=customer_id,
        )
        return placed.order


def test_the_export_holds_the_orders_and_erasure_keeps_their_amounts(selling_shop):
    shop = selling_shop
    signed_up = shop.register(f"olga-{uuid.uuid4().hex[:6]}@example.com")
    customer_id = uuid.UUID(signed_up["customer"]["id"])
    order = _order_for(shop, customer_id, signed_up["customer"]["email"])

    exported = shop.client.get(shop.api(f"/{customer_id}/export"), headers=shop.staff).json()
    (listed,) = exported["sections"]["orders"]["orders"]
    assert listed["number"] == order.number and listed["customer_name"] == "Olga Orders"

    erased = shop.client.post(shop.api(f"/{customer_id}/erase"), headers=shop.staff)
    assert erased.status_code == 200
    with shop.work() as session:
        after = orders.get_order(session, shop.tenant, store_id=shop.store_id, order_id=order.id)
        assert after.grand_total == order.grand_total == 2980
        assert after.customer_name != "Olga Orders"
        assert signed_up["customer"]["email"] not in after.customer_email
        assert after.shipping_address == {"country": "LU"}
        again = services.export_customer(
            session, shop.tenant, store_id=shop.store_id, customer_id=customer_id
        )
    assert "Olga" not in again.model_dump_json()
