"""The catalog API: products ("items") per store, for the tenant's members and for operators
acting for a tenant; what is refused and how the refusal names the field."""

from __future__ import annotations

import uuid

from orion.modules.tenancy import services as tenancy
from tests.modules.catalog.conftest import API, create, fields_of, item
from tests.modules.tenancy.support import signed_in


def test_a_member_creates_reads_changes_and_deletes_a_draft(client, shop):
    created = create(
        client,
        shop,
        item(
            "TEE-1",
            gtin="4006381333931",
            titles={"fr": "T-shirt", "de": "T-Shirt"},
            descriptions={"fr": "En coton"},
            status="draft",
            images=["https://img.test/b.jpg", "https://img.test/a.jpg"],
            attributes={"material": "cotton"},
        ),
    )
    assert created["title"] == "T-shirt"  # no English title: the French one
    assert (created["currency"], created["vat_rate"]) == ("EUR", 1700)  # the standard rate
    assert created["images"] == ["https://img.test/b.jpg", "https://img.test/a.jpg"]
    assert created["stock_state"] == "untracked"
    url = f"{shop.items}/{created['id']}"
    assert client.get(url, headers=shop.headers).json() == created

    changed = client.patch(
        url, json={"titles": {"en": "Tee"}, "price": 1990, "vat_rate": 800}, headers=shop.headers
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["price"]) == ("Tee", 1990)
    assert changed.json()["vat_rate"] == 800
    # The currency is the store's: it may be left out, not nulled; nothing is written.
    nulled = client.patch(url, json={"price": 1, "currency": None}, headers=shop.headers)
    assert nulled.status_code == 422, nulled.text
    assert fields_of(nulled) == ["currency"]
    assert client.get(url, headers=shop.headers).json()["price"] == 1990

    reordered = client.put(
        f"{url}/images", json={"images": ["https://img.test/a.jpg"]}, headers=shop.headers
    )
    assert reordered.json()["images"] == ["https://img.test/a.jpg"]

    assert client.delete(url, headers=shop.headers).status_code == 204
    gone = client.get(url, headers=shop.headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "product_not_found")


def test_an_active_product_is_archived_not_deleted(client, shop):
    product = create(client, shop, item(status="active"))
    refused = client.delete(f"{shop.items}/{product['id']}", headers=shop.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "product_not_deletable")
    archived = client.patch(
        f"{shop.items}/{product['id']}", json={"status": "archived"}, headers=shop.headers
    )
    assert archived.json()["status"] == "archived"


def test_variants_have_their_own_sku_price_and_stock(client, shop):
    product = create(
        client,
        shop,
        item(
            "SHIRT",
            price=2000,
            variants=[
                {"sku": "SHIRT-S", "options": {"size": "S"}, "available_quantity": 2},
                {"sku": "SHIRT-XL", "options": {"size": "XL"}, "price": 2200},
            ],
        ),
    )
    assert [v["sku"] for v in product["variants"]] == ["SHIRT-S", "SHIRT-XL"]
    assert product["available_quantity"] == 2  # the sum of the tracked variants
    variants = f"{shop.items}/{product['id']}/variants"
    added = client.post(
        variants,
        json={"sku": "SHIRT-M", "options": {"size": "M"}, "available_quantity": 5},
        headers=shop.headers,
    )
    assert added.status_code == 201, added.text
    assert added.json()["position"] == 2
    changed = client.patch(
        f"{variants}/{added.json()['id']}", json={"price": 2100}, headers=shop.headers
    )
    assert changed.json()["price"] == 2100
    assert (
        client.get(f"{shop.items}/{product['id']}", headers=shop.headers).json()[
            "available_quantity"
        ]
        == 7
    )
    assert (
        client.delete(f"{variants}/{added.json()['id']}", headers=shop.headers).status_code == 204
    )
    listed = client.get(variants, headers=shop.headers).json()
    assert [v["sku"] for v in listed] == ["SHIRT-S", "SHIRT-XL"]


def test_a_sku_is_unique_in_the_store_across_products_and_variants(client, shop, make_store):
    create(client, shop, item("MUG", variants=[{"sku": "MUG-RED", "options": {"colour": "red"}}]))
    for body, field in (
        (item("MUG"), "sku"),
        (item("MUG-RED"), "sku"),
        (item("OTHER", variants=[{"sku": "MUG", "options": {"c": "x"}}]), "variants[0].sku"),
        (
            item(
                "TWO",
                variants=[
                    {"sku": "A1", "options": {"c": "x"}},
                    {"sku": "A1", "options": {"c": "y"}},
                ],
            ),
            "variants[1].sku",
        ),
    ):
        refused = client.post(shop.items, json=body, headers=shop.headers)
        assert (refused.status_code, refused.json()["code"]) == (409, "sku_taken"), body
        assert fields_of(refused) == [field]
    # Nothing half-written: the refused products are not there.
    assert client.get(shop.items, headers=shop.headers).json()["data"][0]["sku"] == "MUG"
    assert len(client.get(shop.items, headers=shop.headers).json()["data"]) == 1
    # Another store of the tenant may use the same SKU.
    other = make_store(shop.tenant)
    again = client.post(f"{API}/stores/{other.id}/items", json=item("MUG"), headers=shop.headers)
    assert again.status_code == 201, again.text


def test_bad_input_is_refused_naming_the_field(client, shop):
    cases = [
        ({"gtin": "4006381333932"}, 422, "gtin"),
        ({"gtin": "12345"}, 422, "gtin"),
        ({"price": 12.5}, 422, "price"),
        ({"price": -1}, 422, "price"),
        ({"currency": "USD"}, 422, "currency"),
        ({"currency": "XXZ"}, 422, "currency"),
        ({"vat_rate": 1900}, 422, "vat_rate"),
        ({"category_ids": [str(uuid.uuid4())]}, 422, "category_ids"),
        ({"titles": {"en": "  "}}, 422, "titles"),
        ({"titles": {"en": "nul\x00byte"}}, 422, "titles.en"),
        ({"sku": "has space"}, 422, "sku"),
        ({"images": ["ftp://x"]}, 422, "images[0]"),
    ]
    for extra, status, field in cases:
        refused = client.post(shop.items, json=item(**extra), headers=shop.headers)
        assert refused.status_code == status, (extra, refused.text)
        assert field in fields_of(refused), (extra, refused.json())
    assert client.get(shop.items, headers=shop.headers).json()["data"] == []
    nul = client.get(shop.items, params={"q": "a\x00b"}, headers=shop.headers)
    assert nul.status_code == 422 and fields_of(nul) == ["q"]


def test_another_tenants_store_and_product_are_not_found(client, shop, make_shop):
    mine = create(client, shop, item())
    other = make_shop()
    theirs = client.get(f"{shop.items}/{mine['id']}", headers=other.headers)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "store_not_found")
    # Through their own store, my product's id is no product of theirs.
    crossed = client.get(f"{other.items}/{mine['id']}", headers=other.headers)
    assert (crossed.status_code, crossed.json()["code"]) == (404, "product_not_found")
    assert client.get(other.items, headers=other.headers).json()["data"] == []


def test_a_product_of_another_store_of_the_tenant_is_not_found_in_this_one(
    client, shop, make_store
):
    product = create(client, shop, item())
    other = make_store(shop.tenant)
    response = client.get(f"{API}/stores/{other.id}/items/{product['id']}", headers=shop.headers)
    assert (response.status_code, response.json()["code"]) == (404, "product_not_found")


def test_a_member_limited_to_other_stores_does_not_reach_this_one(
    client, runtime, shop, make_store, make_user
):
    elsewhere = make_store(shop.tenant)
    user, _ = make_user()
    with runtime.database.unit_of_work() as session:
        tenancy.add_member(
            session, shop.tenant, user_id=user.id, role="staff", store_ids=[elsewhere.id]
        )
    headers = signed_in(runtime, user.id, shop.tenant.tenant_id)
    refused = client.get(shop.items, headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (404, "store_not_found")
    assert client.get(f"{API}/stores/{elsewhere.id}/items", headers=headers).status_code == 200


def test_staff_read_and_only_admins_change(client, runtime, shop, make_member):
    create(client, shop, item("READ-ME"))
    user, _ = make_member(shop.tenant, role="staff")
    staff = signed_in(runtime, user.id, shop.tenant.tenant_id)
    assert client.get(shop.items, headers=staff).json()["data"][0]["sku"] == "READ-ME"
    refused = client.post(shop.items, json=item(), headers=staff)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_operators_act_for_the_tenant_named_in_the_path(client, shop, operator_headers):
    base = f"/api/v1/admin/catalog/tenants/{shop.tenant.tenant_id}/stores/{shop.store.id}/items"
    created = client.post(base, json=item("OPS-1"), headers=operator_headers)
    assert created.status_code == 201, created.text
    mine = client.get(shop.items, headers=shop.headers).json()["data"]
    assert [row["sku"] for row in mine] == ["OPS-1"]
    assert client.get(base, headers=shop.headers).status_code == 403


def test_the_module_off_for_the_tenant_answers_403(client, shop, enable):
    enable("catalog", tenant_id=shop.tenant.tenant_id, on=False)
    response = client.get(shop.items, headers=shop.headers)
    assert (response.status_code, response.json()["code"]) == (403, "module_not_enabled")


def test_vat_rates_are_luxembourgs_until_operators_set_the_platforms(
    client, shop, operator_headers, make_platform, make_tenant, make_shop
):
    rates = client.get(f"{API}/vat-rates", headers=shop.headers).json()
    assert not rates["configured"]
    assert [(r["code"], r["rate"]) for r in rates["rates"]] == [
        ("standard", 1700),
        ("intermediate", 1400),
        ("reduced", 800),
        ("super_reduced", 300),
    ]
    platform = make_platform()
    tenant = make_tenant(platform_id=platform.id)
    other = make_shop(tenant=tenant)
    admin = "/api/v1/admin/catalog/vat-rates"
    put = client.put(
        admin,
        params={"platform_id": str(platform.id)},
        json={"rates": [{"code": "standard", "rate": 2000}, {"code": "reduced", "rate": 500}]},
        headers=operator_headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["configured"]
    seen = client.get(f"{API}/vat-rates", headers=other.headers).json()
    assert [r["rate"] for r in seen["rates"]] == [2000, 500]
    made = client.post(other.items, json=item(), headers=other.headers).json()
    assert made["vat_rate"] == 2000
    refused = client.post(other.items, json=item(vat_rate=1700), headers=other.headers)
    assert refused.status_code == 422 and fields_of(refused) == ["vat_rate"]
    # The default platform keeps Luxembourg's.
    assert client.get(admin, headers=operator_headers).json()["rates"][0]["rate"] == 1700
    assert client.put(admin, json={"rates": []}, headers=operator_headers).status_code == 422
    assert client.get(admin, headers=shop.headers).status_code == 403
