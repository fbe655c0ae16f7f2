"""Fixtures of the analytics tests: a shop with analytics on (orders, catalog, inventory,
credits come with it), products, helpers placing orders through the orders service (as
`tests/modules/orders/conftest.py` does), and a shop with known sales."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import ItemCreate
from orion.modules.inventory import services as inventory
from orion.modules.inventory.schemas import LocationCreate, ReceiptCreate
from orion.modules.orders import services as orders
from orion.modules.orders.schemas import OrderCreate, RefundCreate

# sku: (price in cents, VAT included; VAT in basis points)
PRODUCTS = {"MUG": (1490, 1700), "BEANS": (890, 300), "BOOK": (3200, 300)}
ACTOR = "user:test"


@dataclass
class Shop:
    runtime: Runtime
    tenant: TenantContext
    store_id: uuid.UUID
    code: str
    products: dict[str, uuid.UUID] = field(default_factory=dict)
    locations: dict[str, uuid.UUID] = field(default_factory=dict)

    def work(self):  # type: ignore[no-untyped-def]
        return self.runtime.database.unit_of_work(tenant=self.tenant)

    def place(self, *lines: tuple[str, int], days_ago: int = 0, **fields: Any) -> Any:
        values: dict[str, Any] = {
            "items": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            "customer_email": "customer@example.com",
        }
        values.update(fields)
        with self.work() as session:
            placed = orders.place_order(
                session,
                self.tenant,
                store_id=self.store_id,
                data=OrderCreate.model_validate(values),
                actor=ACTOR,
            )
            order = placed.order
        if days_ago:
            self.backdate(order.id, days_ago)
        return order

    def backdate(self, order_id: uuid.UUID, days_ago: int) -> None:
        """Orders placed on an earlier day (the test's own rows, written directly)."""
        from orion.modules.orders.models import Order

        with self.work() as session:
            session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(placed_at=utcnow() - timedelta(days=days_ago))
            )

    def call(self, fn: Any, order_id: uuid.UUID, **kwargs: Any) -> Any:
        with self.work() as session:
            return fn(
                session, self.tenant, store_id=self.store_id, order_id=order_id, actor=ACTOR,
                **kwargs,
            )  # fmt: skip

    def receive(self, sku: str, quantity: int, location: str = "main") -> None:
        with self.work() as session:
            if location not in self.locations:
                self.locations[location] = inventory.create_location(
                    session,
                    self.tenant,
                    store_id=self.store_id,
                    data=LocationCreate(code=location, name=f"Location {location}"),
                ).id
            inventory.receive(
                session,
                self.tenant,
                store_id=self.store_id,
                data=ReceiptCreate(
                    location_id=self.locations[location],
                    product_id=self.products[sku],
                    quantity=quantity,
                ),
            )

    def api(self, path: str) -> str:
        return f"/api/v1/analytics/stores/{self.store_id}{path}"


def open_shop(runtime: Runtime, make_tenant, make_store, enable) -> Shop:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    enable("analytics", tenant_id=tenant.tenant_id)
    code = f"s{uuid.uuid4().hex[:8]}"
    store = make_store(tenant, name="Analytics Shop", code=code)
    shop = Shop(runtime, tenant, store.id, code)
    for sku, (price, vat) in PRODUCTS.items():
        with shop.work() as session:
            shop.products[sku] = catalog.create_product(
                session,
                tenant,
                store_id=store.id,
                data=ItemCreate(
                    sku=sku, titles={"en": f"Product {sku}"}, price=price, vat_rate=vat,
                    status="active",
                ),
            ).id  # fmt: skip
    return shop


@pytest.fixture
def shop(runtime, make_tenant, make_store, enable) -> Shop:  # type: ignore[no-untyped-def]
    return open_shop(runtime, make_tenant, make_store, enable)


@pytest.fixture
def sold(shop: Shop) -> dict[str, Any]:
    """Known sales: stock received (MUG 20 at main, BEANS 10 at main + 5 at shop, BOOK 3);
    two days ago 2 MUG + 1 BOOK (61.80); yesterday 3 BEANS (26.70) and a canceled 1 BOOK;
    today 1 MUG + 2 BEANS (32.70), paid then refunded 8.90."""
    shop.receive("MUG", 20)
    shop.receive("BEANS", 10)
    shop.receive("BEANS", 5, location="shop")
    shop.receive("BOOK", 3)
    first = shop.place(("MUG", 2), ("BOOK", 1), days_ago=2)
    second = shop.place(("BEANS", 3), days_ago=1)
    canceled = shop.place(("BOOK", 1), days_ago=1)
    shop.call(orders.cancel, canceled.id)
    today = shop.place(("MUG", 1), ("BEANS", 2))
    shop.call(orders.record_payment, today.id)
    shop.call(orders.refund, today.id, data=RefundCreate(amount=890))
    return {"first": first, "second": second, "canceled": canceled, "today": today}


@pytest.fixture
def admin_headers(shop, make_member, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, "tenant_admin")
    return login(user.email, password, tenant_id=shop.tenant.tenant_id)
