"""Fixtures for the inventory tests: real tenants with catalog, orders and inventory on, a
store with products (catalog's service), locations and stock received through the
service, and orders announced as orders announces them (`orders.events`, published in a
unit of work acting for the tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.events import Event, publish
from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import ItemCreate, VariantCreate
from orion.modules.inventory import services
from orion.modules.inventory.models import StockLevel
from orion.modules.inventory.schemas import LocationCreate, ReceiptCreate
from orion.modules.orders.events import OrderLine, OrderPlaced

Work = Callable[[TenantContext], AbstractContextManager[Session]]


def switch_on(runtime: Runtime, tenant: TenantContext) -> None:
    """Inventory on for the tenant (catalog with it, its requirement), and orders, whose
    events it reserves stock for (inventory only uses orders: it keeps stock without)."""
    assert tenant.platform_id is not None
    with runtime.database.unit_of_work() as session:
        for code in ("inventory", "orders"):
            runtime.modules.enable(
                session, code, scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
            )


@dataclass
class Shop:
    """A tenant with inventory on and one store."""

    tenant: TenantContext
    store_id: uuid.UUID
    runtime: Runtime

    def work(self) -> AbstractContextManager[Session]:
        return self.runtime.database.unit_of_work(tenant=self.tenant)

    def product(self, sku: str | None = None, *, variants: Sequence[str] = ()) -> Any:
        """An active product (with variants of these SKUs); its ORM row, variants loaded
        as `.variant_ids` in the given order."""
        sku = sku or f"SKU-{uuid.uuid4().hex[:8].upper()}"
        with self.work() as session:
            product = catalog.create_product(
                session,
                self.tenant,
                store_id=self.store_id,
                data=ItemCreate(
                    sku=sku,
                    titles={"en": f"Product {sku}"},
                    price=1000,
                    status="active",
                    variants=[VariantCreate(sku=v, options={"size": v}) for v in variants],
                ),
            )
            found = catalog.list_variants(
                session, self.tenant, store_id=self.store_id, product_id=product.id
            )
            by_sku = {v.sku: v.id for v in found}
            product.variant_ids = [by_sku[v] for v in variants]
            return product

    def location(self, code: str, *, priority: int = 100, active: bool = True) -> Any:
        with self.work() as session:
            return services.create_location(
                session,
                self.tenant,
                store_id=self.store_id,
                data=LocationCreate(
                    code=code, name=code.title(), priority=priority, is_active=active
                ),
            )

    def receive(
        self, location: Any, product: Any, quantity: int, *, variant_id: uuid.UUID | None = None
    ) -> Any:
        with self.work() as session:
            return services.receive(
                session,
                self.tenant,
                store_id=self.store_id,
                data=ReceiptCreate(
                    location_id=location.id,
                    product_id=product.id,
                    variant_id=variant_id,
                    quantity=quantity,
                ),
            )

    def place(self, *lines: tuple[Any, int] | tuple[Any, int, uuid.UUID | None]) -> uuid.UUID:
        """Announce an order of these (product, quantity[, variant_id]) lines, as orders
        does when one is placed; the order's id."""
        order_id = uuid.uuid4()
        with self.work() as session:
            self.publish(session, placed(self.store_id, order_id, *lines))
        return order_id

    def publish(self, session: Session, event: Event) -> None:
        publish(session, event)

    def level(
        self, location: Any, product: Any, variant_id: uuid.UUID | None = None
    ) -> tuple[int, int]:
        """(on_hand, reserved) of the level."""
        with self.work() as session:
            row = session.execute(
                select(StockLevel.on_hand, StockLevel.reserved).where(
                    StockLevel.location_id == location.id,
                    StockLevel.product_id == product.id,
                    StockLevel.variant_id.is_(None)
                    if variant_id is None
                    else StockLevel.variant_id == variant_id,
                )
            ).one()
            return row[0], row[1]

    def available(self, product: Any) -> int | None:
        """What the catalog says is available of the product."""
        with self.work() as session:
            found = catalog.get_product(session, self.tenant, self.store_id, product.id)
            session.refresh(found)
            return found.available_quantity

    def ledger_is_exact(self) -> bool:
        """Every level of the tenant equals its ledger (and there is at least one)."""
        with self.work() as session:
            report = services.verify(session, tenant=self.tenant)
        return report.checked > 0 and not report.mismatches


def placed(store_id: uuid.UUID, order_id: uuid.UUID, *lines: tuple[Any, ...]) -> OrderPlaced:
    order_lines = []
    for position, line in enumerate(lines):
        product, quantity = line[0], line[1]
        variant_id = line[2] if len(line) > 2 else None
        order_lines.append(
            OrderLine(
                position=position,
                product_id=product.id,
                variant_id=variant_id,
                sku=product.sku,
                quantity=quantity,
            )
        )
    return OrderPlaced(
        order_id=order_id, store_id=store_id, lines=order_lines, grand_total=0, currency="EUR"
    )


@pytest.fixture
def shop(runtime: Runtime, make_tenant, make_store) -> Shop:  # type: ignore[no-untyped-def]
    tenant = make_tenant(f"Inventory {uuid.uuid4().hex[:6]}")
    switch_on(runtime, tenant)
    store = make_store(tenant)
    return Shop(tenant, store.id, runtime)


HEARD: list[Event] = []
LEVEL_EVENTS = ("inventory.stock_low", "inventory.out_of_stock")


def hear(_session: Session, event: Event) -> None:
    HEARD.append(event)


@pytest.fixture
def heard(runtime: Runtime) -> Iterator[list[Event]]:
    """A recorder subscribed to the level events, as a module's transaction handler is."""
    path = f"{__name__}:hear"
    for name in LEVEL_EVENTS:
        runtime.events.in_transaction[name].append((path, "inventory"))
    HEARD.clear()
    yield HEARD
    for name in LEVEL_EVENTS:
        runtime.events.in_transaction[name].remove((path, "inventory"))


def order_of(shop: Shop, *items: tuple[str, int], email: str = "buyer@example.com") -> Any:
    """Place an order through the orders module, as a checkout does; the order."""
    from orion.modules.orders import services as orders
    from orion.modules.orders.schemas import OrderCreate, OrderItemCreate

    with shop.work() as session:
        return orders.place_order(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=OrderCreate(
                items=[OrderItemCreate(sku=sku, quantity=quantity) for sku, quantity in items],
                customer_email=email,
            ),
        ).order
