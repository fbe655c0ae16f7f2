"""Product lists: search, filters, sorting and keyset pages, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from tests.modules.catalog.conftest import create, item


def skus(client, shop, **params):  # type: ignore[no-untyped-def]
    response = client.get(shop.items, params=params, headers=shop.headers)
    assert response.status_code == 200, response.text
    return [row["sku"] for row in response.json()["data"]]


def catalogue(client, shop):  # type: ignore[no-untyped-def]
    coffee = client.post(
        shop.categories, json={"names": {"en": "Coffee"}}, headers=shop.headers
    ).json()
    beans = client.post(
        shop.categories,
        json={"names": {"en": "Beans"}, "parent_id": coffee["id"]},
        headers=shop.headers,
    ).json()
    create(
        client,
        shop,
        item(
            "ESP-1",
            titles={"en": "Espresso beans", "fr": "Café en grains"},
            price=2490,
            category_ids=[beans["id"]],
            available_quantity=40,
            gtin="4006381333931",
        ),
    )
    create(
        client, shop, item("MUG-1", titles={"de": "Keramiktasse"}, price=1490, available_quantity=2)
    )
    create(
        client,
        shop,
        item("apron-1", titles={"en": "apron"}, price=2990, status="draft", available_quantity=0),
    )
    create(
        client,
        shop,
        item(
            "TEE-1",
            titles={"en": "Zebra tee"},
            price=990,
            category_ids=[coffee["id"]],
            variants=[{"sku": "TEE-1-XL", "options": {"size": "XL"}}],
        ),
    )
    return coffee, beans


def test_search_matches_titles_in_every_language_skus_and_gtins(client, shop):
    catalogue(client, shop)
    assert skus(client, shop, q="espresso") == ["ESP-1"]
    assert skus(client, shop, q="CAFÉ grains") == ["ESP-1"]
    assert skus(client, shop, q="keramik") == ["MUG-1"]
    assert skus(client, shop, q="mug-") == ["MUG-1"]
    assert skus(client, shop, q="4006381333931") == ["ESP-1"]
    assert skus(client, shop, q="tee-1-xl") == ["TEE-1"]  # a variant's SKU finds its product
    assert skus(client, shop, q="100%_") == []


def test_filters_narrow_the_list(client, shop):
    coffee, _beans = catalogue(client, shop)
    assert sorted(skus(client, shop, status="active")) == ["ESP-1", "MUG-1", "TEE-1"]
    assert sorted(skus(client, shop, category_id=coffee["id"])) == ["ESP-1", "TEE-1"]
    assert skus(client, shop, category_id=coffee["id"], subcategories="false") == ["TEE-1"]
    assert skus(client, shop, min_price=1000, max_price=2500, sort="price", order="asc") == [
        "MUG-1",
        "ESP-1",
    ]
    assert skus(client, shop, stock="in_stock") == ["ESP-1"]
    assert skus(client, shop, stock="low") == ["MUG-1"]
    assert skus(client, shop, stock="out_of_stock") == ["apron-1"]
    assert skus(client, shop, stock="untracked") == ["TEE-1"]
    refused = client.get(shop.items, params={"min_price": 10, "max_price": 5}, headers=shop.headers)
    assert refused.status_code == 422


def test_sorting_by_title_price_sku_and_age_both_ways(client, shop):
    catalogue(client, shop)
    assert skus(client, shop, sort="title", order="asc") == ["apron-1", "ESP-1", "MUG-1", "TEE-1"]
    assert skus(client, shop, sort="price", order="desc") == ["apron-1", "ESP-1", "MUG-1", "TEE-1"]
    assert skus(client, shop, sort="created_at", order="asc") == [
        "ESP-1",
        "MUG-1",
        "apron-1",
        "TEE-1",
    ]
    assert skus(client, shop) == ["TEE-1", "apron-1", "MUG-1", "ESP-1"]  # newest first
    assert skus(client, shop, sort="sku", order="asc")[0] == "ESP-1"


def test_keyset_pages_follow_each_other_without_gaps_or_repeats(client, shop):
    for n in range(7):
        create(client, shop, item(f"K-{n}", price=100 * (n % 3)))
    seen, after = [], None
    while True:
        params = {"limit": 3, "sort": "price", "order": "asc"} | ({"after": after} if after else {})
        page = client.get(shop.items, params=params, headers=shop.headers).json()
        seen += [(row["price"], row["sku"]) for row in page["data"]]
        after = page["next_cursor"]
        if after is None:
            break
    assert len(seen) == 7 and len({s for _, s in seen}) == 7
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    bad = client.get(shop.items, params={"after": "not-a-cursor"}, headers=shop.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "after"
