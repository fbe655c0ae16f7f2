"""The storefront's catalogue: anyone may browse a store's active products and categories,
by the store's id; drafts, other stores' products and stores of tenants without the
catalog stay out of sight (404, as for an unknown store)."""

from __future__ import annotations

import uuid

from tests.modules.catalog.conftest import create, item

PUBLIC = "/api/v1/public/catalog"


def test_shoppers_see_the_active_products_without_signing_in(client, shop) -> None:
    mug = create(client, shop, item("MUG", titles={"en": "Mug", "fr": "Tasse"}))
    create(client, shop, item("DRAFT", status="draft"))
    response = client.get(f"{PUBLIC}/stores/{shop.store.id}/items")
    assert response.status_code == 200, response.text
    listed = response.json()["data"]
    assert [row["sku"] for row in listed] == ["MUG"]
    assert listed[0]["titles"] == {"en": "Mug", "fr": "Tasse"}
    assert listed[0]["in_stock"] is True
    assert "low_stock_threshold" not in listed[0] and "available_quantity" not in listed[0]
    detail = client.get(f"{PUBLIC}/stores/{shop.store.id}/items/{mug['id']}").json()
    assert detail["price"] == 1250 and detail["currency"] == "EUR"


def test_a_sold_out_product_is_listed_as_not_in_stock(client, shop) -> None:
    create(client, shop, item("GONE", available_quantity=0))
    create(client, shop, item("SIZES", variants=[
        {"sku": "SIZES-S", "options": {"size": "S"}, "available_quantity": 0},
        {"sku": "SIZES-M", "options": {"size": "M"}, "available_quantity": 3, "price": 1500},
    ]))  # fmt: skip
    rows = {
        row["sku"]: row
        for row in client.get(f"{PUBLIC}/stores/{shop.store.id}/items").json()["data"]
    }
    assert rows["GONE"]["in_stock"] is False
    assert rows["SIZES"]["in_stock"] is True
    assert [(v["sku"], v["in_stock"], v["price"]) for v in rows["SIZES"]["variants"]] == [
        ("SIZES-S", False, 1250),
        ("SIZES-M", True, 1500),
    ]


def test_a_draft_product_or_another_stores_product_is_not_found(client, shop, make_shop) -> None:
    draft = create(client, shop, item("HIDDEN", status="draft"))
    other = make_shop()
    theirs = create(client, other, item("THEIRS"))
    for store_id, item_id in ((shop.store.id, draft["id"]), (shop.store.id, theirs["id"])):
        response = client.get(f"{PUBLIC}/stores/{store_id}/items/{item_id}")
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "product_not_found"


def test_an_unknown_store_or_one_whose_tenant_has_no_catalog_is_not_found(
    client, shop, make_tenant, make_store
) -> None:
    unknown = client.get(f"{PUBLIC}/stores/{uuid.uuid4()}/items")
    assert unknown.status_code == 404 and unknown.json()["code"] == "store_not_found"
    without_catalog = make_store(make_tenant())
    response = client.get(f"{PUBLIC}/stores/{without_catalog.id}/items")
    assert response.status_code == 404 and response.json()["code"] == "store_not_found"


def test_shoppers_search_and_filter_by_category(client, shop) -> None:
    category = client.post(shop.categories, json={"names": {"en": "Kitchen"}}, headers=shop.headers)
    assert category.status_code == 201, category.text
    kitchen = category.json()["id"]
    create(client, shop, item("CUP", titles={"en": "Blue cup"}, category_ids=[kitchen]))
    create(client, shop, item("HAT", titles={"en": "Red hat"}))
    base = f"{PUBLIC}/stores/{shop.store.id}"
    found = client.get(f"{base}/items", params={"q": "cup"}).json()["data"]
    assert [row["sku"] for row in found] == ["CUP"]
    in_kitchen = client.get(f"{base}/items", params={"category_id": kitchen}).json()["data"]
    assert [row["sku"] for row in in_kitchen] == ["CUP"]
    tree = client.get(f"{base}/categories").json()["data"]
    assert [node["name"] for node in tree] == ["Kitchen"]


def test_storefront_requests_are_rate_limited_per_client_and_store(runtime, client, shop) -> None:
    from orion.kernel.web.storefront import StorefrontLimiter

    limiter = StorefrontLimiter.of(runtime)
    saved = limiter.per_minute
    limiter.per_minute = 3
    try:
        url = f"{PUBLIC}/stores/{shop.store.id}/categories"
        answers = [client.get(url).status_code for _ in range(5)]
        refused = client.get(url)
        other_store = client.get(f"{PUBLIC}/stores/{uuid.uuid4()}/categories")
    finally:
        limiter.per_minute = saved
    assert answers == [200, 200, 200, 429, 429]
    assert refused.json()["code"] == "storefront_rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert other_store.status_code == 404  # counted per store: another one still answers
