"""Product imports: validation, error policies, upsert by SKU, variants, stock, cancel."""

from __future__ import annotations

import io

from orion.modules.inventory import services as inventory
from orion.modules.marketplace.schemas import ImportPolicy
from orion.modules.marketplace.services import imports
from tests.modules.marketplace.conftest import feed_text

GOOD = [
    {
        "id": "MUG",
        "title": "Mug",
        "price": "14.90 EUR",
        "gtin": "4006381333931",
        "quantity": "7",
        "image_link": "https://img.example/mug.jpg",
        "brand": "Roaster",
    },
    {"id": "TEE-M", "title": "Tee", "price": "20,00 EUR", "item_group_id": "TEE", "size": "M"},
    {"id": "TEE-L", "title": "Tee", "price": "22.00 EUR", "item_group_id": "TEE", "size": "L"},
]
BAD = [
    {"id": "BAD PRICE", "title": "x", "price": "twelve"},
    {"id": "OK-2", "title": "Fine", "price": "1.00 USD"},
    {"id": "MUG", "title": "Mug again", "price": "1.00 EUR"},
]


def data(rows, **kwargs):
    return feed_text(rows, **kwargs).encode()


def test_a_feed_becomes_products_with_variants_grouped_by_item_group_id(shop):
    done = shop.import_bytes(data(GOOD))
    assert done.state == "succeeded" and done.rows_total == 3 and done.rows_done == 3
    assert (done.created_count, done.failed_count) == (3, 0)
    products = shop.products()
    assert set(products) == {"MUG", "TEE"}
    assert products["MUG"].price == 1490 and products["MUG"].attributes["brand"] == "Roaster"
    assert products["MUG"].available_quantity == 7
    tee = products["TEE"]
    assert tee.price == 2000
    assert [(v.sku, v.options, v.price) for v in tee.variants] == [
        ("TEE-M", {"size": "M"}, None),
        ("TEE-L", {"size": "L"}, 2200),
    ]


def test_importing_the_same_file_twice_changes_nothing(shop):
    shop.import_bytes(data(GOOD))
    before = shop.products()
    again = shop.import_bytes(data(GOOD))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    after = shop.products()
    assert {k: v.updated_at for k, v in after.items()} == {
        k: v.updated_at for k, v in before.items()
    }


def test_a_second_language_adds_its_titles_and_keeps_the_first(shop):
    shop.import_bytes(data(GOOD[:1]), language="en")
    fr = [{**GOOD[0], "title": "Tasse"}]
    done = shop.import_bytes(data(fr), language="fr")
    assert done.updated_count == 1
    assert shop.products()["MUG"].titles == {"en": "Mug", "fr": "Tasse"}


def test_skip_imports_the_good_rows_and_reports_the_bad_ones(shop, client, make_member, login):
    done = shop.import_bytes(data(GOOD + BAD))
    assert done.state == "succeeded"
    assert (done.created_count, done.failed_count) == (3, 3)
    with shop.work() as session:
        errors = imports.errors_listing(
            session, shop.tenant, store_id=shop.store_id, import_id=done.id
        ).data
    found = {(e.row, e.column): e.message for e in errors}
    assert "price twelve" not in found.get((5, "price"), "x")
    assert "must be an amount" in found[(5, "price")]
    assert "USD" in found[(6, "price")]
    assert "also on row 2" in found[(7, "id")]
    user, password = make_member(shop.tenant)
    headers = login(user.email, password, shop.tenant.tenant_id)
    report = client.get(
        f"/api/v1/marketplace/stores/{shop.store_id}/imports/{done.id}/errors.csv", headers=headers
    )
    assert report.status_code == 200
    lines = report.text.strip().splitlines()
    assert lines[0] == "row,column,value,message"
    assert lines[1].startswith("5,id,BAD PRICE,") or lines[1].startswith("5,")


def test_stop_refuses_the_whole_file_at_its_first_bad_row(shop):
    done = shop.import_bytes(data(GOOD + BAD), policy=ImportPolicy.stop)
    assert done.state == "stopped" and "row 5" in done.error
    assert shop.products() == {}


def test_a_dry_run_counts_everything_and_writes_nothing(shop):
    done = shop.import_bytes(data(GOOD + BAD), policy=ImportPolicy.dry_run)
    assert done.state == "succeeded"
    assert (done.created_count, done.failed_count) == (3, 3)
    assert shop.products() == {}


def test_a_feed_missing_a_required_column_is_refused(shop):
    done = shop.import_bytes(data(GOOD, header=["id", "title"]))
    assert done.state == "failed" and "price" in done.error


def test_stock_goes_through_the_inventory_module_where_it_is_on(shop, enable):
    enable("inventory", tenant_id=shop.tenant.tenant_id)
    shop.import_bytes(data(GOOD))
    assert shop.products()["MUG"].available_quantity == 7
    with shop.work() as session:
        levels = inventory.levels_listing(session, shop.tenant, store_id=shop.store_id).data
    assert [(lv.sku, lv.on_hand) for lv in levels] == [("MUG", 7)]
    again = shop.import_bytes(data([{**GOOD[0], "quantity": "4"}]))
    assert again.stock_count == 1
    assert shop.products()["MUG"].available_quantity == 4


def test_a_canceled_import_stops_before_its_next_chunk(shop):
    with shop.work() as session:
        row = imports.start_upload(
            session,
            shop.tenant,
            store_id=shop.store_id,
            language="en",
            policy=ImportPolicy.skip,
            filename="f.tsv",
            source=io.BytesIO(data(GOOD)),
            send=False,
        )
        import_id = row.id
    with shop.work() as session:
        imports.cancel_import(session, shop.tenant, store_id=shop.store_id, import_id=import_id)
    shop.run(import_id)
    assert shop.get(import_id).state == "canceled"
    assert shop.products() == {}


def test_an_upload_through_the_api_is_imported_by_the_worker(
    shop, client, make_member, login, worker
):
    user, password = make_member(shop.tenant)
    headers = login(user.email, password, shop.tenant.tenant_id)
    sent = client.post(
        f"/api/v1/marketplace/stores/{shop.store_id}/imports",
        files={"file": ("feed.tsv", data(GOOD), "text/tab-separated-values")},
        data={"language": "fr", "policy": "skip"},
        headers=headers,
    )
    assert sent.status_code == 201, sent.text
    from tests.helpers import wait_for

    url = f"/api/v1/marketplace/stores/{shop.store_id}/imports/{sent.json()['id']}"
    assert wait_for(
        lambda: client.get(url, headers=headers).json()["state"] == "succeeded", timeout=60
    )
    shown = client.get(url, headers=headers).json()
    assert shown["rows_done"] == 3 and shown["percent"] == 100
    assert set(shop.products()) == {"MUG", "TEE"}
