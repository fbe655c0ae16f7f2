"""The marketplace API for members and operators: what is refused, naming the field, and
who may do what."""

from __future__ import annotations

import pytest

from tests.modules.marketplace.conftest import feed_text
from tests.modules.marketplace.test_imports import GOOD


@pytest.fixture
def admin(shop, make_member, login):  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, "tenant_admin")
    return login(user.email, password, shop.tenant.tenant_id)


def base(shop) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/marketplace/stores/{shop.store_id}"


def test_bad_input_is_refused_naming_the_field(client, shop, admin):
    upload = client.post(
        f"{base(shop)}/imports",
        data={"language": "it"},
        files={"file": ("f.tsv", b"id\n", "text/plain")},
        headers=admin,
    )
    assert upload.status_code == 422 and "language" in upload.text
    url = client.post(
        f"{base(shop)}/imports/from-url", json={"url": "ftp://x", "language": "fr"}, headers=admin
    )
    assert url.status_code == 422 and "url" in url.text
    key = client.put(f"{base(shop)}/credential", json={"api_key": "short"}, headers=admin)
    assert key.status_code == 422 and "api_key" in key.text
    unknown = client.post(
        f"{base(shop)}/shipments/00000000-0000-0000-0000-000000000000/confirm",
        json={"all": True},
        headers=admin,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "shipment_not_found"


def test_the_historical_import_needs_a_key_and_the_key_is_answered_masked(client, shop, admin):
    refused = client.post(f"{base(shop)}/historical-imports", json={}, headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "letzshop_key_missing"
    assert client.get(f"{base(shop)}/credential", headers=admin).json() is None
    stored = client.put(
        f"{base(shop)}/credential", json={"api_key": "abcdefgh-1234-WXYZ"}, headers=admin
    )
    assert stored.status_code == 200 and stored.json()["masked_key"] == "****WXYZ"
    assert "abcdefgh" not in client.get(f"{base(shop)}/credential", headers=admin).text
    started = client.post(
        f"{base(shop)}/historical-imports", json={"stock_policy": "deduct"}, headers=admin
    )
    assert started.status_code == 201 and started.json()["stock_policy"] == "deduct"


def test_staff_read_but_do_not_import_and_a_finished_import_is_not_canceled(
    client, shop, admin, make_member, login
):
    user, password = make_member(shop.tenant, "staff")
    staff = login(user.email, password, shop.tenant.tenant_id)
    assert client.get(f"{base(shop)}/imports", headers=staff).status_code == 200
    refused = client.post(
        f"{base(shop)}/imports",
        data={"language": "en"},
        files={"file": ("f.tsv", b"id\n", "text/plain")},
        headers=staff,
    )
    assert refused.status_code == 403
    done = shop.import_bytes(feed_text(GOOD).encode())
    again = client.post(f"{base(shop)}/imports/{done.id}/cancel", headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "import_not_cancelable"


def test_operators_act_for_a_tenant_through_the_same_routes(client, shop, operator_headers):
    done = shop.import_bytes(feed_text(GOOD).encode())
    url = (
        f"/api/v1/admin/marketplace/tenants/{shop.tenant.tenant_id}/stores/{shop.store_id}"
        f"/imports/{done.id}"
    )
    shown = client.get(url, headers=operator_headers)
    assert shown.status_code == 200 and shown.json()["created_count"] == 3


def test_a_feed_larger_than_the_json_body_limit_is_uploaded(client, shop, admin):
    rows = [
        {"id": f"BIG-{n:05d}", "title": f"Big feed item {n} " + "x" * 60, "price": "9.90 EUR"}
        for n in range(12_000)
    ]
    data = feed_text(rows).encode()
    assert len(data) > 1024 * 1024  # past the 1 MiB every other route reads
    upload = client.post(
        f"{base(shop)}/imports",
        data={"language": "en", "policy": "dry_run"},
        files={"file": ("big.tsv", data, "text/tab-separated-values")},
        headers=admin,
    )
    assert upload.status_code == 201, upload.text[:500]
