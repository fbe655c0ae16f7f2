"""`orion demo`: each demo store gets a catalogue once."""

from __future__ import annotations

from orion.kernel.data.tenancy import all_tenants
from orion.modules.catalog import services
from orion.modules.tenancy import services as tenancy


def test_demo_stores_get_a_catalogue_once(runtime):
    for _ in range(2):
        with runtime.database.unit_of_work() as session:
            tenancy.seed_demo(session, runtime)
            services.seed_demo(session, runtime)
    with runtime.database.unit_of_work() as session:
        with all_tenants(session):
            demo = tenancy.demo_tenants(session)
        assert demo
        tenant = demo[0]
        [store] = tenancy.stores.stores(session, tenant)
        listing = services.items_page(session, tenant, store_id=store.id)
        tree = services.category_tree(session, tenant, store_id=store.id)
    assert listing.count == 12
    rows = listing.data
    assert sum(1 for r in rows if r.status == "active") >= 9
    assert {r.status for r in rows} == {"draft", "active", "archived"}
    assert sum(1 for r in rows if r.variants) == 2
    assert all(r.titles.keys() == {"en", "fr", "de"} and r.currency == "EUR" for r in rows)
    assert {r.vat_rate for r in rows} == {300, 1700}
    assert [n.slug for n in tree] == ["accessories", "apparel", "coffee"]
    assert [n.slug for n in tree[2].children] == ["beans", "drinks"]
