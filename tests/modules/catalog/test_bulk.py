"""Bulk actions: one request, one transaction, up to 500 products."""

from __future__ import annotations

import uuid

from orion.modules.catalog.services import adjusted
from tests.modules.catalog.conftest import create, fields_of, item


def bulk(client, shop, **body):  # type: ignore[no-untyped-def]
    return client.post(f"{shop.items}/bulk", json=body, headers=shop.headers)


def test_prices_change_by_a_percentage_rounded_half_up_never_below_zero():
    assert adjusted(1000, 1000) == 1100
    assert adjusted(999, 1000) == 1099  # 99.9 rounds up to 100
    assert adjusted(995, -1000) == 895  # -99.5 rounds half up, away from zero
    assert adjusted(1000, -10_000) == 0
    assert adjusted(0, 5000) == 0


def test_a_status_change_applies_to_every_product_named(client, shop):
    a = create(client, shop, item(status="draft"))
    b = create(client, shop, item(status="active"))
    done = bulk(client, shop, action="set_status", ids=[a["id"], b["id"]], status="archived")
    assert done.status_code == 200, done.text
    assert sorted(done.json()["changed"]) == sorted([a["id"], b["id"]])
    again = bulk(client, shop, action="set_status", ids=[a["id"]], status="archived").json()
    assert again["changed"] == [] and again["skipped"][0]["reason"] == "already archived"


def test_prices_and_the_variants_own_prices_change_together(client, shop):
    product = create(
        client,
        shop,
        item(
            price=1999,
            variants=[
                {"sku": f"V-{uuid.uuid4().hex[:6]}", "options": {"size": "S"}},
                {"sku": f"V-{uuid.uuid4().hex[:6]}", "options": {"size": "L"}, "price": 2500},
            ],
        ),
    )
    done = bulk(client, shop, action="adjust_price", ids=[product["id"]], basis_points=-2500)
    assert done.status_code == 200, done.text
    after = client.get(f"{shop.items}/{product['id']}", headers=shop.headers).json()
    assert after["price"] == 1499  # 1999 - 499.75 -> 1499.25 -> 1499
    assert [v["price"] for v in after["variants"]] == [None, 1875]


def test_delete_removes_only_the_drafts_and_names_the_others(client, shop):
    draft = create(client, shop, item(status="draft"))
    active = create(client, shop, item(status="active"))
    done = bulk(client, shop, action="delete", ids=[draft["id"], active["id"]]).json()
    assert done["changed"] == [draft["id"]]
    assert [s["id"] for s in done["skipped"]] == [active["id"]]
    assert "only drafts" in done["skipped"][0]["reason"]
    assert client.get(f"{shop.items}/{draft['id']}", headers=shop.headers).status_code == 404
    assert client.get(f"{shop.items}/{active['id']}", headers=shop.headers).status_code == 200


def test_an_unknown_id_refuses_the_whole_request(client, shop, make_shop):
    mine = create(client, shop, item(status="draft"))
    theirs = make_shop()
    foreign = create(client, theirs, item(status="draft"))
    refused = bulk(
        client, shop, action="set_status", ids=[mine["id"], foreign["id"]], status="active"
    )
    assert refused.status_code == 422 and fields_of(refused) == ["ids[1]"]
    assert (
        client.get(f"{shop.items}/{mine['id']}", headers=shop.headers).json()["status"] == "draft"
    )


def test_the_request_is_checked_before_anything_happens(client, shop):
    product = create(client, shop, item())
    assert bulk(client, shop, action="set_status", ids=[product["id"]]).status_code == 422
    assert bulk(client, shop, action="adjust_price", ids=[product["id"]]).status_code == 422
    too_many = [str(uuid.uuid4()) for _ in range(501)]
    assert fields_of(bulk(client, shop, action="delete", ids=too_many)) == ["ids"]
    assert bulk(client, shop, action="explode", ids=[product["id"]]).status_code == 422
