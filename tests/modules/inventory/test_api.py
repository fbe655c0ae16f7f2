"""The inventory API as clients use it: members of the tenant and operators acting for
it, per store; bad input named by field; another tenant's rows are not found."""

from __future__ import annotations

import uuid

import pytest

from tests.modules.inventory.conftest import Shop
from tests.modules.tenancy.support import signed_in

API = "/api/v1/inventory"


@pytest.fixture
def headers(shop: Shop, runtime, make_member) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user, _ = make_member(shop.tenant, "staff")
    return signed_in(runtime, user.id, shop.tenant.tenant_id)


def base(shop: Shop) -> str:
    return f"{API}/stores/{shop.store_id}"


def test_members_manage_locations_receive_adjust_transfer_and_read_the_ledger(
    client, shop, headers
):
    product = shop.product("API-BEANS")
    made = client.post(
        f"{base(shop)}/locations",
        json={"code": "main", "name": "Main", "priority": 1},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    main = made.json()
    other = client.post(
        f"{base(shop)}/locations", json={"code": "shop", "name": "Shop"}, headers=headers
    ).json()
    taken = client.post(
        f"{base(shop)}/locations", json={"code": "main", "name": "Again"}, headers=headers
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "location_code_taken")

    received = client.post(
        f"{base(shop)}/receipts",
        json={"location_id": main["id"], "product_id": str(product.id), "quantity": 10},
        headers={**headers, "Idempotency-Key": "delivery-1"},
    )
    assert received.status_code == 201, received.text
    replayed = client.post(
        f"{base(shop)}/receipts",
        json={"location_id": main["id"], "product_id": str(product.id), "quantity": 10},
        headers={**headers, "Idempotency-Key": "delivery-1"},
    )
    assert replayed.json()["id"] == received.json()["id"]
    adjusted = client.post(
        f"{base(shop)}/adjustments",
        json={
            "location_id": main["id"],
            "product_id": str(product.id),
            "quantity": -1,
            "reason": "broken",
        },
        headers=headers,
    )
    assert adjusted.status_code == 201, adjusted.text
    moved = client.post(
        f"{base(shop)}/transfers",
        json={
            "from_location_id": main["id"],
            "to_location_id": other["id"],
            "product_id": str(product.id),
            "quantity": 4,
        },
        headers=headers,
    )
    assert moved.status_code == 201, moved.text
    assert len(moved.json()["transactions"]) == 2

    levels = client.get(f"{base(shop)}/levels", headers=headers).json()
    assert levels["count"] == 2
    assert {(row["sku"], row["on_hand"], row["available"]) for row in levels["data"]} == {
        ("API-BEANS", 5, 5),
        ("API-BEANS", 4, 4),
    }
    at_main = client.get(
        f"{base(shop)}/levels", params={"location_id": main["id"]}, headers=headers
    ).json()
    assert [row["on_hand"] for row in at_main["data"]] == [5]

    first = client.get(f"{base(shop)}/transactions", params={"limit": 2}, headers=headers).json()
    assert [row["kind"] for row in first["data"]] == ["transfer", "transfer"]
    rest = client.get(
        f"{base(shop)}/transactions",
        params={"limit": 2, "after": first["next_cursor"]},
        headers=headers,
    ).json()
    assert [row["kind"] for row in rest["data"]] == ["adjust", "receive"]
    assert rest["next_cursor"] is None
    bad_cursor = client.get(f"{base(shop)}/transactions", params={"after": "nope"}, headers=headers)
    assert bad_cursor.status_code == 422


def test_low_stock_filter_thresholds_reservations_and_settings(client, shop, headers):
    main = shop.location("main")
    beans, mug = shop.product(), shop.product()
    shop.receive(main, beans, 10)
    shop.receive(main, mug, 2)
    order_id = shop.place((mug, 2))

    level = client.get(
        f"{base(shop)}/levels", params={"product_id": str(beans.id)}, headers=headers
    ).json()["data"][0]
    changed = client.patch(
        f"{base(shop)}/levels/{level['id']}", json={"low_stock_threshold": 12}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["low_stock_threshold"], changed.json()["is_low"]) == (12, True)
    low = client.get(f"{base(shop)}/levels", params={"low_stock": True}, headers=headers).json()
    assert {row["product_id"] for row in low["data"]} == {str(beans.id), str(mug.id)}

    held = client.get(
        f"{base(shop)}/reservations",
        params={"reference": f"order:{order_id}", "state": "active"},
        headers=headers,
    ).json()
    assert [(r["sku"], r["quantity"]) for r in held["data"]] == [(mug.sku, 2)]

    assert client.get(f"{base(shop)}/settings", headers=headers).json() == {
        "store_id": str(shop.store_id),
        "reservation_ttl_minutes": 1440,
    }
    kept = client.put(
        f"{base(shop)}/settings", json={"reservation_ttl_minutes": None}, headers=headers
    )
    assert kept.json()["reservation_ttl_minutes"] is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"quantity": 0}, ["quantity"]),
        ({"quantity": -3}, ["quantity"]),
        ({"quantity": "many"}, ["quantity"]),
        ({"location_id": "not-an-id"}, ["location_id"]),
    ],
)
def test_bad_receipts_name_the_field(client, shop, headers, body, fields):
    main = shop.location("main")
    product = shop.product()
    sent = {"location_id": str(main.id), "product_id": str(product.id), "quantity": 1} | body

    response = client.post(f"{base(shop)}/receipts", json=sent, headers=headers)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == fields
    assert client.get(f"{base(shop)}/levels", headers=headers).json()["count"] == 0


def test_bad_adjustments_and_transfers_name_the_field(client, shop, headers):
    main = shop.location("main")
    product = shop.product()
    common = {"location_id": str(main.id), "product_id": str(product.id)}

    zero = client.post(
        f"{base(shop)}/adjustments", json={**common, "quantity": 0, "reason": "x"}, headers=headers
    )
    negative_count = client.post(
        f"{base(shop)}/adjustments",
        json={**common, "mode": "set", "quantity": -1, "reason": "count"},
        headers=headers,
    )
    no_reason = client.post(
        f"{base(shop)}/adjustments", json={**common, "quantity": 2}, headers=headers
    )
    same_place = client.post(
        f"{base(shop)}/transfers",
        json={
            "from_location_id": str(main.id),
            "to_location_id": str(main.id),
            "product_id": str(product.id),
            "quantity": 1,
        },
        headers=headers,
    )
    short = client.post(
        f"{base(shop)}/adjustments",
        json={**common, "quantity": -1, "reason": "lost"},
        headers=headers,
    )

    assert [e["field"] for e in zero.json()["errors"]] == ["quantity"]
    assert [e["field"] for e in negative_count.json()["errors"]] == ["quantity"]
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    assert [e["field"] for e in same_place.json()["errors"]] == ["to_location_id"]
    assert (short.status_code, short.json()["code"]) == (409, "insufficient_stock")
    assert [e["field"] for e in short.json()["errors"]] == ["quantity"]


def test_a_location_with_stock_is_switched_off_not_deleted(client, shop, headers):
    main, spare = shop.location("main"), shop.location("spare")
    shop.receive(main, shop.product(), 1)

    refused = client.delete(f"{base(shop)}/locations/{main.id}", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "location_in_use")
    assert client.delete(f"{base(shop)}/locations/{spare.id}", headers=headers).status_code == 204
    off = client.patch(
        f"{base(shop)}/locations/{main.id}", json={"is_active": False}, headers=headers
    )
    assert off.json()["is_active"] is False
    nulled = client.patch(f"{base(shop)}/locations/{main.id}", json={"name": None}, headers=headers)
    assert [e["field"] for e in nulled.json()["errors"]] == ["name"]


def test_operators_act_for_the_tenant_named_in_the_path(client, shop, operator_headers):
    main = shop.location("main")
    product = shop.product()
    url = f"/api/v1/admin/inventory/tenants/{shop.tenant.tenant_id}/stores/{shop.store_id}"

    received = client.post(
        f"{url}/receipts",
        json={"location_id": str(main.id), "product_id": str(product.id), "quantity": 3},
        headers=operator_headers,
    )

    assert received.status_code == 201, received.text
    assert client.get(f"{url}/levels", headers=operator_headers).json()["data"][0]["on_hand"] == 3
    assert shop.level(main, product) == (3, 0)


def test_another_tenants_store_and_location_are_not_found(
    client, shop, headers, runtime, make_tenant, make_store, make_member
):
    from tests.modules.inventory.conftest import switch_on

    main = shop.location("main")
    stranger = make_tenant()
    switch_on(runtime, stranger)
    their_store = make_store(stranger)
    user, _ = make_member(stranger)
    theirs = signed_in(runtime, user.id, stranger.tenant_id)

    assert client.get(f"{base(shop)}/levels", headers=theirs).status_code == 404
    own = f"{API}/stores/{their_store.id}/locations/{main.id}"
    response = client.get(own, headers=theirs)
    assert (response.status_code, response.json()["code"]) == (404, "location_not_found")
    assert client.get(f"{API}/stores/{their_store.id}/levels", headers=headers).status_code == 404


def test_reading_needs_the_module_and_a_member(
    client, shop, headers, runtime, make_tenant, make_member
):
    off = make_tenant()
    user, _ = make_member(off)
    response = client.get(
        f"{API}/stores/{uuid.uuid4()}/levels", headers=signed_in(runtime, user.id, off.tenant_id)
    )
    assert (response.status_code, response.json()["code"]) == (403, "module_not_enabled")
    assert client.get(f"{base(shop)}/levels").status_code == 401
