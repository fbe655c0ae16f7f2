"""Letzshop against the test server: the client's retries, the key, order sync and
confirmation, the historical import, the directory; and the exports' round trip."""

from __future__ import annotations

import pytest

from orion.kernel.data.paging import Keyset
from orion.kernel.data.tenancy import set_tenant
from orion.modules.marketplace import services
from orion.modules.marketplace.exceptions import LetzshopUnavailable
from orion.modules.marketplace.schemas import (
    ConfirmUnits,
    CredentialUpdate,
    ExportKind,
    StockPolicy,
)
from orion.modules.marketplace.services import exports, historical
from orion.modules.marketplace.services.client import LetzshopClient
from orion.modules.orders import services as orders
from tests.modules.marketplace.conftest import feed_text
from tests.modules.marketplace.letzshop_server import shipment, unit

PRODUCTS = [
    {"id": "MUG", "title": "Mug", "price": "12.50 EUR", "quantity": "5"},
    {
        "id": "TEE-M",
        "title": "Tee",
        "price": "20.00 EUR",
        "item_group_id": "TEE",
        "size": "M",
        "color": "blue",
    },
]


def keyed(shop, server):
    shop.import_bytes(feed_text(PRODUCTS).encode())
    with shop.work() as session:
        services.set_credential(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=CredentialUpdate(api_key=server.api_key),
        )


def test_the_client_waits_out_throttling_and_outages_then_gives_up(letzshop):
    slept: list[float] = []
    client = LetzshopClient(
        letzshop.url, letzshop.api_key, max_attempts=3, backoff=0.5, sleep=slept.append
    )
    letzshop.throttle(1, retry_after="3")
    letzshop.fail(1)
    assert client.execute("Viewer", "query Viewer { me { email } }")["me"]["email"]
    assert slept == [3.0, 1.0]  # Retry-After, then the backoff of the second try
    letzshop.fail(5)
    with pytest.raises(LetzshopUnavailable, match="3 tries"):
        client.execute("Viewer", "query Viewer { me { email } }")


def test_the_key_is_stored_sealed_shown_masked_and_checked(shop, letzshop):
    with shop.work() as session:
        shown = services.set_credential(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=CredentialUpdate(api_key=letzshop.api_key),
        )
    assert shown.masked_key == "****1234"
    with shop.work() as session:
        checked = services.check_credential(session, shop.tenant, store_id=shop.store_id)
    assert checked.check_ok is True
    assert letzshop.requests[-1]["authorization"] == f"Bearer {letzshop.api_key}"
    with shop.work() as session:
        services.set_credential(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=CredentialUpdate(api_key="a-wrong-key"),
        )
        refused = services.check_credential(session, shop.tenant, store_id=shop.store_id)
    assert refused.check_ok is False and "refused the API key" in refused.check_message


def test_unconfirmed_shipments_become_orders_once_and_are_confirmed_unit_by_unit(shop, letzshop):
    keyed(shop, letzshop)
    letzshop.shipments = [
        shipment("1", [unit("U1", "MUG"), unit("U2", "MUG")]),
        shipment("2", [unit("U3", "TEE-M")]),
        shipment("3", [unit("U4", "NOPE")]),
    ]
    with shop.work() as session:
        first = services.sync_store(session, shop.tenant, shop.store_id)
    assert first == {"seen": 3, "created": 2, "existing": 0, "failed": 1}
    with shop.work() as session:
        again = services.sync_store(session, shop.tenant, shop.store_id)
    assert again["created"] == 0 and again["existing"] == 3
    with shop.work() as session:
        listed = services.shipments_listing(session, shop.tenant, store_id=shop.store_id).data
        by_number = {s.number: s for s in listed}
        assert "NOPE" in by_number["H3"].problem
        mug = by_number["H1"]
        order = orders.get_order(
            session, shop.tenant, store_id=shop.store_id, order_id=mug.order_id
        )
        assert order.state == "pending"
        items = orders.order_items(session, shop.tenant, order_id=order.id)
        assert [(i.sku, i.quantity) for i in items] == [("MUG", 2)]
    with shop.work() as session:
        decided = services.decide_units(
            session,
            shop.tenant,
            store_id=shop.store_id,
            shipment_id=mug.id,
            data=ConfirmUnits(all=True),
        )
    assert decided.state == "confirmed"
    with shop.work() as session:
        tee = by_number["H2"]
        declined = services.decide_units(
            session,
            shop.tenant,
            store_id=shop.store_id,
            shipment_id=tee.id,
            data=ConfirmUnits(all=False),
        )
        assert declined.state == "declined"
        canceled = orders.get_order(
            session, shop.tenant, store_id=shop.store_id, order_id=tee.order_id
        )
        assert canceled.state == "canceled"
        calls = services.calls_listing(session, shop.tenant, store_id=shop.store_id).data
    assert "ConfirmInventoryUnits" in {c.operation for c in calls}


def test_a_refused_confirmation_is_recorded_for_the_merchant(
    shop, letzshop, client, make_member, login
):
    keyed(shop, letzshop)
    letzshop.shipments = [shipment("9", [unit("U9", "MUG")])]
    letzshop.refuse_units = {"U9"}
    with shop.work() as session:
        services.sync_store(session, shop.tenant, shop.store_id)
        listed = services.shipments_listing(session, shop.tenant, store_id=shop.store_id).data
    user, password = make_member(shop.tenant)
    headers = login(user.email, password, shop.tenant.tenant_id)
    base = f"/api/v1/marketplace/stores/{shop.store_id}"
    answer = client.post(
        f"{base}/shipments/{listed[0].id}/confirm", json={"all": True}, headers=headers
    )
    assert answer.status_code == 502 and answer.json()["code"] == "letzshop_error"
    calls = client.get(f"{base}/calls", headers=headers).json()["data"]
    assert calls[0]["operation"] == "ConfirmInventoryUnits"
    assert "cannot be confirmed" in calls[0]["response"]


def test_the_historical_import_is_idempotent_and_summarised(shop, letzshop):
    keyed(shop, letzshop)
    letzshop.shipments = [
        shipment("1", [unit("U1", "MUG", state="confirmed_available")], state="confirmed"),
        shipment("2", [unit("U2", "MUG", state="confirmed_unavailable")], state="declined"),
        shipment("3", [unit("U3", "TEE-M")]),
    ]
    for expected in ({"created": 3, "existing": 0}, {"created": 0, "existing": 3}):
        with shop.work() as session:
            row = services.start_historical_import(
                session, shop.tenant, store_id=shop.store_id, stock_policy=StockPolicy.skip
            )
            import_id = row.id
        with shop.runtime.database.unit_of_work() as session:
            set_tenant(session, shop.tenant)
            result = historical.run_historical_import(session, import_id, checkpoint=session.commit)
        assert result["state"] == "succeeded"
        assert {k: result[k] for k in expected} == expected
    with shop.work() as session:
        done = services.get_historical_import(
            session, shop.tenant, store_id=shop.store_id, import_id=import_id
        )
        assert done.pages_done == 2 and done.seen == 3  # page size 2
        placed = orders.orders_page(
            session, shop.tenant, store_id=shop.store_id, page=Keyset(limit=50)
        )
    assert len(placed.data) == 3


def test_the_directory_upserts_vendors_and_marks_those_that_left(runtime, letzshop):
    letzshop.vendors = [
        {
            "id": "1",
            "slug": "roaster",
            "name": "Roaster",
            "representative": "Ana",
            "socialMediaLinks": [{"kind": "instagram", "url": "https://i.example/r"}],
            "taxons": [{"slug": "coffee"}],
        },
        {
            "id": "2",
            "slug": "baker",
            "name": "Baker",
            "representative": None,
            "socialMediaLinks": [],
            "taxons": [],
        },
    ]
    with runtime.database.unit_of_work() as session:
        first = services.sync_directory(session)
    assert (first.added, first.left) == (2, 0) or first.seen == 2
    letzshop.vendors = letzshop.vendors[:1]
    with runtime.database.unit_of_work() as session:
        second = services.sync_directory(session)
        assert second.left == 1
        gone = services.vendors_listing(session, q="baker").data[0]
        kept = services.vendors_listing(session, q="roaster").data[0]
    assert gone.is_listed is False and gone.left_at is not None
    assert kept.links == {"instagram": "https://i.example/r"} and kept.categories == ["coffee"]


def test_exported_feeds_imported_into_an_empty_store_give_the_same_catalogue(shop, make_store):
    rows = [
        {
            "id": "MUG",
            "title": "Mug",
            "description": "Big\nmug",
            "price": "12.50 EUR",
            "gtin": "4006381333931",
            "image_link": "https://img.example/m.jpg",
            "brand": "R",
            "quantity": "3",
        },
        {"id": "TEE-M", "title": "Tee", "price": "20.00 EUR", "item_group_id": "TEE", "size": "M"},
        {"id": "TEE-L", "title": "Tee", "price": "22.00 EUR", "item_group_id": "TEE", "size": "L"},
    ]
    shop.import_bytes(feed_text(rows).encode(), language="en")
    shop.import_bytes(
        feed_text([{**r, "title": r["title"] + " FR"} for r in rows]).encode(), language="fr"
    )
    with shop.work() as session:
        row = exports.start_export(
            session, shop.tenant, store_id=shop.store_id, kind=ExportKind.store_feed
        )
        export_id = row.id
    with shop.runtime.database.unit_of_work() as session:
        set_tenant(session, shop.tenant)
        exports.run_store_feed_export(session, export_id)
    with shop.work() as session:
        done = exports.get_export(session, shop.tenant, store_id=shop.store_id, export_id=export_id)
        paths = {
            f["language"]: exports.export_file(
                session, shop.tenant, store_id=shop.store_id, export_id=export_id, name=f["name"]
            )
            for f in done.files
        }
    assert set(paths) == {"en", "fr"}
    original = shop.products()
    copy = type(shop)(shop.runtime, shop.tenant, make_store(shop.tenant).id, shop.tmp)
    for language, path in paths.items():
        assert copy.import_bytes(path.read_bytes(), language=language).failed_count == 0

    def shape(items):
        return {
            sku: (
                i.titles,
                i.descriptions,
                i.price,
                i.gtin,
                i.images,
                i.attributes,
                i.available_quantity,
                [(v.sku, v.options, v.price, v.gtin) for v in i.variants],
            )
            for sku, i in items.items()
        }

    assert shape(copy.products()) == shape(original)
