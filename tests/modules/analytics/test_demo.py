"""`orion demo`: the daily sales rollup is refreshed for the demo stores once their orders
exist, so the reports and charts read it; running the demo again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import all_tenants
from orion.modules.analytics import services
from orion.modules.analytics.models import DailySales
from orion.modules.analytics.repository import RollupRepository
from orion.modules.catalog import services as catalog
from orion.modules.inventory import services as inventory
from orion.modules.orders import services as orders
from orion.modules.tenancy import services as tenancy


def seed(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:  # the order `orion demo` runs them in
        tenancy.seed_demo(session, runtime)
        catalog.seed_demo(session, runtime)
        orders.seed_demo(session, runtime)
        inventory.seed_demo(session, runtime)
        services.seed_demo(session, runtime)


def test_the_demo_refreshes_the_rollup_after_the_demo_orders(runtime):
    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        tenant = tenancy.demo_tenants(session)[0]
        rows = session.scalar(select(func.count(DailySales.id)))
    yesterday = utcnow().date() - timedelta(days=1)
    with runtime.database.unit_of_work(tenant=tenant) as session:
        store = tenancy.stores.stores(session, tenant)[0]
        assert RollupRepository(session).through(store.id) == yesterday
        report = services.sales_report(
            session, tenant, store_id=store.id, span=services.report_range(None, None)
        )
        live = orders.daily_sales(session, tenant, store_id=store.id)
    assert report.live_since == yesterday + timedelta(days=1)  # past days from the rollup
    # Every demo order is in the report (the rollup's days and today's live ones).
    assert sum(t.orders for t in report.totals) == sum(day.orders for day in live) > 0

    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        assert session.scalar(select(func.count(DailySales.id))) == rows
