"""`orion demo`: the demo stores get a warehouse and a shop with stock, an item low and
one sold out; running it twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from orion.kernel.data.tenancy import all_tenants
from orion.modules.catalog import services as catalog
from orion.modules.inventory import services
from orion.modules.inventory.models import InventoryTransaction, StockLocation
from orion.modules.tenancy import services as tenancy


def test_demo_stock_is_seeded_once(runtime):
    with runtime.database.unit_of_work() as session:
        tenancy.seed_demo(session, runtime)
        catalog.seed_demo(session, runtime)
        services.seed_demo(session, runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        counted = (
            session.scalar(select(func.count()).select_from(StockLocation)),
            session.scalar(select(func.count()).select_from(InventoryTransaction)),
        )
    with runtime.database.unit_of_work() as session:
        services.seed_demo(session, runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        again = (
            session.scalar(select(func.count()).select_from(StockLocation)),
            session.scalar(select(func.count()).select_from(InventoryTransaction)),
        )
        tenants = tenancy.demo_tenants(session)
    assert again == counted and counted[1] > 0

    tenant = tenants[0]
    with runtime.database.unit_of_work(tenant=tenant) as session:
        store = tenancy.stores.stores(session, tenant)[0]
        levels = services.levels_listing(session, tenant, store_id=store.id).data
        locations = {
            loc.code for loc in services.list_locations(session, tenant, store_id=store.id)[0]
        }
        report = services.verify(session, tenant=tenant)
    assert locations == {"main", "shop"}
    assert any(level.available == 0 for level in levels)
    assert any(level.is_low and level.available > 0 for level in levels)
    assert all(level.sku for level in levels)
    assert not report.mismatches
