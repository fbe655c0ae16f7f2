"""`orion demo`: a main warehouse and a shop in each demo store, stock for the catalog's
demo products, one item low and one sold out. Running it twice adds nothing (locations
are found by code, receipts and adjustments carry idempotency keys)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.catalog import services as catalog
from orion.modules.inventory.repository import LevelRepository, LocationRepository
from orion.modules.inventory.schemas import (
    AdjustmentCreate,
    AdjustmentMode,
    LocationCreate,
    ReceiptCreate,
)
from orion.modules.inventory.services.locations import create_location
from orion.modules.inventory.services.movements import adjust, receive
from orion.modules.tenancy import services as tenancy

LOCATIONS = (("main", "Main warehouse", 10), ("shop", "Shop", 20))


def seed_demo(session: Session, runtime: Any) -> None:
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    for tenant in tenants:
        for store in tenancy.stores.stores(session, tenant):
            _seed_store(session, tenant, store.id)


def _seed_store(session: Session, tenant: TenantContext, store_id: Any) -> None:
    with acting_for(session, tenant):
        found = {
            code: LocationRepository(session).by_code(store_id, code) for code, _, _ in LOCATIONS
        }
    locations = {
        code: found[code]
        or create_location(
            session,
            tenant,
            store_id=store_id,
            data=LocationCreate(code=code, name=name, priority=priority),
        )
        for code, name, priority in LOCATIONS
    }
    listed = catalog.items_page(session, tenant, store_id=store_id, page=Page(limit=500)).data
    items = [item for item in listed if item.status != "archived"]
    stockable = [
        (item.id, variant.id, variant.sku) for item in items for variant in item.variants
    ] + [(item.id, None, item.sku) for item in items if not item.variants]
    for number, (product_id, variant_id, sku) in enumerate(sorted(stockable, key=lambda s: s[2])):
        main = 6 + (number * 7) % 30
        key = f"demo:{store_id}:{sku}"
        receive(
            session,
            tenant,
            store_id=store_id,
            data=ReceiptCreate(
                location_id=locations["main"].id,
                product_id=product_id,
                variant_id=variant_id,
                quantity=main,
                reason="opening stock",
            ),
            idempotency_key=f"{key}:main",
        )
        if number % 3 == 0:
            receive(
                session,
                tenant,
                store_id=store_id,
                data=ReceiptCreate(
                    location_id=locations["shop"].id,
                    product_id=product_id,
                    variant_id=variant_id,
                    quantity=4,
                    reason="shop shelf",
                ),
                idempotency_key=f"{key}:shop",
            )
        if number in (1, 2):  # one low (3 left at the warehouse), one sold out there
            with acting_for(session, tenant):
                level = LevelRepository(session).one(locations["main"].id, product_id, variant_id)
                assert level is not None
                level.low_stock_threshold = 5
            adjust(
                session,
                tenant,
                store_id=store_id,
                data=AdjustmentCreate(
                    location_id=locations["main"].id,
                    product_id=product_id,
                    variant_id=variant_id,
                    mode=AdjustmentMode.SET,
                    quantity=3 if number == 1 else 0,
                    reason="stock count",
                ),
                idempotency_key=f"{key}:count",
            )
