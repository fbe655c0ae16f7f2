"""Fixtures of the orders tests: a tenant with the orders module on (catalog and email
come with it), a store with a few active products, and helpers placing orders through the
service, as a checkout would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import ItemCreate, VariantCreate
from orion.modules.orders import services
from orion.modules.orders.schemas import OrderCreate

# sku: (price in cents, VAT included; VAT in basis points)
PRODUCTS = {
    "MUG": (1490, 1700),
    "BEANS": (890, 300),
    "BOOK": (3200, 300),
}
ACTOR = "user:test"


@dataclass
class Shop:
    runtime: Runtime
    tenant: TenantContext
    store_id: uuid.UUID
    store_code: str
    products: dict[str, uuid.UUID] = field(default_factory=dict)

    def work(self):  # type: ignore[no-untyped-def]
        return self.runtime.database.unit_of_work(tenant=self.tenant)

    def place(self, *lines: tuple[str, int], key: str | None = None, **fields: Any) -> Any:
        """Place an order of `lines` ((sku, quantity), ...); the order (detached)."""
        data = order_data(*lines, **fields)
        with self.work() as session:
            placed = services.place_order(
                session,
                self.tenant,
                store_id=self.store_id,
                data=data,
                idempotency_key=key,
                actor=ACTOR,
            )
            return placed.order

    def call(self, fn: Any, order_id: uuid.UUID, **kwargs: Any) -> Any:
        """Run a service step (confirm, record_payment, ...) on an order, committed."""
        with self.work() as session:
            return fn(
                session,
                self.tenant,
                store_id=self.store_id,
                order_id=order_id,
                actor=ACTOR,
                **kwargs,
            )

    def order(self, order_id: uuid.UUID) -> Any:
        with self.work() as session:
            return services.order_detail(
                session, self.tenant, store_id=self.store_id, order_id=order_id
            )

    def api(self, path: str = "") -> str:
        return f"/api/v1/orders/stores/{self.store_id}/orders{path}"


def order_data(*lines: tuple[str, int], **fields: Any) -> OrderCreate:
    values: dict[str, Any] = {
        "items": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "customer_email": "customer@example.com",
        "customer_name": "Clara Customer",
    }
    values.update(fields)
    return OrderCreate.model_validate(values)


def add_product(shop: Shop, sku: str, price: int, vat: int, **extra: Any) -> uuid.UUID:
    with shop.work() as session:
        product = catalog.create_product(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=ItemCreate(
                sku=sku,
                titles={"en": f"Product {sku}", "fr": f"Produit {sku}"},
                price=price,
                vat_rate=vat,
                status="active",
                **extra,
            ),
        )
        return product.id


def open_shop(runtime: Runtime, make_tenant, make_store, enable, modules=("orders",)) -> Shop:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    for code in modules:
        enable(code, tenant_id=tenant.tenant_id)
    code = f"s{uuid.uuid4().hex[:8]}"
    store = make_store(tenant, name="Test Shop", code=code)
    shop = Shop(runtime, tenant, store.id, code)
    for sku, (price, vat) in PRODUCTS.items():
        shop.products[sku] = add_product(shop, sku, price, vat)
    shop.products["TEE"] = add_product(
        shop,
        "TEE",
        2490,
        1700,
        variants=[
            VariantCreate(sku="TEE-M", options={"size": "M"}),
            VariantCreate(sku="TEE-XL", options={"size": "XL"}, price=2690),
        ],
    )
    return shop


@pytest.fixture
def shop(runtime, make_tenant, make_store, enable) -> Shop:  # type: ignore[no-untyped-def]
    """A store selling MUG, BEANS, BOOK and TEE-M / TEE-XL, without stock control."""
    return open_shop(runtime, make_tenant, make_store, enable)


@pytest.fixture
def admin_headers(shop, make_member, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, "tenant_admin")
    return login(user.email, password, tenant_id=shop.tenant.tenant_id)


@pytest.fixture
def staff_headers(shop, make_member, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, "staff")
    return login(user.email, password, tenant_id=shop.tenant.tenant_id)


def stock(shop: Shop, sku: str, quantity: int, *, variant_id: uuid.UUID | None = None) -> None:
    """Receive `quantity` of the product at the store's one location (inventory on)."""
    from orion.modules.inventory import services as inventory
    from orion.modules.inventory.schemas import LocationCreate, ReceiptCreate

    with shop.work() as session:
        locations = inventory.list_locations(session, shop.tenant, store_id=shop.store_id)
        rows = locations[0] if isinstance(locations, tuple) else locations
        location = rows[0] if rows else None
        if location is None:
            location = inventory.create_location(
                session,
                shop.tenant,
                store_id=shop.store_id,
                data=LocationCreate(code="main", name="Main warehouse"),
            )
        inventory.receive(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=ReceiptCreate(
                location_id=location.id,
                product_id=shop.products[sku.split("-")[0]],
                variant_id=variant_id,
                quantity=quantity,
            ),
        )


@pytest.fixture
def stocked_shop(runtime, make_tenant, make_store, enable) -> Shop:  # type: ignore[no-untyped-def]
    """A shop with inventory on: 10 MUG and 5 BEANS in stock, BOOK untracked."""
    shop = open_shop(runtime, make_tenant, make_store, enable, modules=("orders", "inventory"))
    stock(shop, "MUG", 10)
    stock(shop, "BEANS", 5)
    return shop
