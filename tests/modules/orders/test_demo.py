"""`orion demo`: the demo stores get a few orders in several states, placed once the
demo's other data (products, stock) is committed; running it twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from orion.kernel.data.tenancy import all_tenants
from orion.modules.catalog import services as catalog
from orion.modules.inventory import services as inventory
from orion.modules.orders import services
from orion.modules.orders.models import Invoice, Order
from orion.modules.tenancy import services as tenancy


def seed(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:  # the order `orion demo` runs them in
        tenancy.seed_demo(session, runtime)
        catalog.seed_demo(session, runtime)
        services.seed_demo(session, runtime)
        inventory.seed_demo(session, runtime)


def test_demo_orders_are_placed_once_in_several_states(runtime):
    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        tenants = tenancy.demo_tenants(session)
        counted = session.scalar(select(func.count(Order.id)))
    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        assert session.scalar(select(func.count(Order.id))) == counted
    tenant = tenants[0]
    with runtime.database.unit_of_work(tenant=tenant) as session:
        store = tenancy.stores.stores(session, tenant)[0]
        orders = services.orders_listing(session, tenant, store_id=store.id).data
        invoices = session.scalar(
            select(func.count(Invoice.id)).where(Invoice.store_id == store.id)
        )
    states = {order.state for order in orders}
    assert {"pending", "confirmed", "paid", "fulfilled", "canceled", "partially_refunded"} <= states
    assert invoices == 3
