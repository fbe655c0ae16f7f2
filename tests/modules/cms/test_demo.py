"""`orion demo`: each demo store gets its About us and Delivery and returns pages and a
footer menu, once."""

from __future__ import annotations

from orion.kernel.data.tenancy import all_tenants
from orion.modules.cms import services
from orion.modules.tenancy import services as tenancy


def test_demo_stores_get_their_pages_and_footer_once(runtime, client):
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
        pages = services.pages_listing(session, tenant, store_id=store.id)
        menus = services.menus_listing(session, tenant, store_id=store.id)
    assert [p.slug for p in pages.data] == ["about-us", "delivery-and-returns"]
    assert all(
        p.status == "published" and p.bodies.keys() == {"en", "fr", "de"} for p in pages.data
    )
    assert [m.name for m in menus.data] == ["footer"] and len(menus.data[0].items) == 3
    french = client.get(
        f"/api/v1/public/cms/stores/{store.id}/pages/delivery-and-returns", params={"lang": "fr"}
    )
    assert "<h1>Livraison et retours</h1>" in french.text
    footer = client.get(f"/api/v1/public/cms/stores/{store.id}/menus/footer").json()
    assert [i["label"] for i in footer["items"]] == ["About us", "Delivery and returns", "Contact"]
