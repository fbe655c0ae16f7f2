"""The catalog's console pages as a tenant admin uses them: the products table with its
search, filters and bulk actions, the product editor and the category tree."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Browser, errors_in
from tests.modules.catalog.conftest import Shop, create, item
from tests.modules.tenancy.support import signed_in

PAGE = "/console/catalog/"


@pytest.fixture
def admin(
    app, runtime, make_tenant, make_store, make_member, enable
) -> Iterator[tuple[Browser, Shop]]:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    enable("catalog", tenant_id=tenant.tenant_id)
    store = make_store(tenant, name="Main shop")
    user, password = make_member(tenant, role="tenant_admin")
    shop = Shop(tenant, store, signed_in(runtime, user.id, tenant.tenant_id), user.id)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser, shop


def test_the_menu_opens_the_products_table_with_search_and_filters(admin, client):
    browser, shop = admin
    create(client, shop, item("ESP-1", titles={"en": "Espresso"}, price=2490))
    create(client, shop, item("MUG-1", titles={"en": "Mug"}, status="draft"))
    assert PAGE in browser.menu(PAGE)
    page = browser.get(f"{PAGE}?store={shop.store.id}")
    assert page.status_code == 200, page.text
    assert "ESP-1" in page.text and "MUG-1" in page.text and "24.90" in page.text
    found = browser.get(PAGE, params={"store": str(shop.store.id), "q": "espresso"}).text
    assert "ESP-1" in found and "MUG-1" not in found
    drafts = browser.get(PAGE, params={"store": str(shop.store.id), "status": "draft"}).text
    assert "MUG-1" in drafts and "ESP-1" not in drafts
    bad = browser.get(PAGE, params={"store": str(shop.store.id), "min_price": "x"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text
    assert "Price from must be an amount such as 29.00" in bad.text
    priced = browser.get(
        PAGE, params={"store": str(shop.store.id), "min_price": "20", "max_price": "24,90"}
    ).text  # typed in euros, as the table shows them
    assert "ESP-1" in priced and "MUG-1" not in priced


def test_bulk_actions_from_the_table(admin, client):
    browser, shop = admin
    a = create(client, shop, item("B-1", status="draft"))
    b = create(client, shop, item("B-2", status="draft", price=1000))
    browser.get(f"{PAGE}?store={shop.store.id}")
    done = browser.client.post(
        f"{PAGE}bulk?store={shop.store.id}",
        data={
            "csrf_token": browser.token,
            "action": "adjust_price",
            "percent": "10",
            "ids": [a["id"], b["id"]],
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert client.get(f"{shop.items}/{b['id']}", headers=shop.headers).json()["price"] == 1100
    deleted = browser.client.post(
        f"{PAGE}bulk?store={shop.store.id}",
        data={"csrf_token": browser.token, "action": "delete", "ids": [a["id"]]},
    )
    assert "1 changed" in deleted.text
    none = browser.post(f"{PAGE}bulk?store={shop.store.id}", {"action": "delete"})
    assert none.status_code == 422 and "ids" in none.text


def test_the_editor_creates_a_product_and_keeps_what_it_refused(admin, client):
    browser, shop = admin
    category = client.post(
        shop.categories, json={"names": {"en": "Cups"}}, headers=shop.headers
    ).json()
    browser.get(f"{PAGE}new?store={shop.store.id}")
    fields = {
        "sku": "CUP-1",
        "title_en": "Cup",
        "title_fr": "Tasse",
        "price": "12,50",
        "vat_rate": "1700",
        "status": "active",
        "images": "https://img.test/2.jpg\nhttps://img.test/1.jpg",
        "attributes": "material: porcelain",
        "category_ids": category["id"],
        "low_stock_threshold": "3",
    }
    refused = browser.post(
        f"{PAGE}new?store={shop.store.id}", fields | {"gtin": "123", "price": "12.505"}
    )
    assert refused.status_code == 422
    errors = errors_in(refused.text)
    assert "gtin" in errors and "price" in errors
    assert 'value="CUP-1"' in refused.text  # what was typed is kept
    created = browser.post(f"{PAGE}new?store={shop.store.id}", fields)
    assert created.status_code == 303, created.text
    editor = browser.get(created.headers["location"])
    assert "Cup created." in editor.text
    [product] = client.get(shop.items, headers=shop.headers).json()["data"]
    assert (product["price"], product["titles"]) == (1250, {"en": "Cup", "fr": "Tasse"})
    assert product["images"] == ["https://img.test/2.jpg", "https://img.test/1.jpg"]
    assert product["attributes"] == {"material": "porcelain"}
    assert product["category_ids"] == [category["id"]]
    assert 'id="stock-link"' not in editor.text  # the inventory module is off

    taken = browser.post(created.headers["location"], fields | {"sku": "CUP-1"})
    assert taken.status_code == 303  # its own SKU
    create(client, shop, item("OTHER"))
    clash = browser.post(created.headers["location"], fields | {"sku": "OTHER"})
    assert clash.status_code == 422 and "sku" in errors_in(clash.text)


def test_variants_are_added_edited_and_removed_in_the_editor(admin, client):
    browser, shop = admin
    product = create(client, shop, item("SHIRT", price=2000))
    url = f"{PAGE}{product['id']}?store={shop.store.id}"
    browser.get(url)
    added = browser.post(
        f"{PAGE}{product['id']}/variants?store={shop.store.id}",
        {"sku": "SHIRT-M", "size": "M", "colour": "blue", "available_quantity": "4"},
    )
    assert added.status_code == 303, added.text
    [variant] = client.get(f"{shop.items}/{product['id']}", headers=shop.headers).json()["variants"]
    assert variant["options"] == {"size": "M", "colour": "blue"}
    page = browser.get(url).text
    assert "SHIRT-M" in page and "<strong>4</strong>" in page
    saved = browser.post(
        f"{PAGE}{product['id']}/variants/{variant['id']}?store={shop.store.id}",
        {"sku": "SHIRT-M", "size": "M", "price": "21.00"},
    )
    assert saved.status_code == 303
    after = client.get(f"{shop.items}/{product['id']}", headers=shop.headers).json()
    assert after["variants"][0]["price"] == 2100
    dup = browser.post(
        f"{PAGE}{product['id']}/variants?store={shop.store.id}", {"sku": "SHIRT", "size": "L"}
    )
    assert dup.status_code == 422 and "already used" in dup.text
    removed = browser.post(
        f"{PAGE}{product['id']}/variants/{variant['id']}/delete?store={shop.store.id}"
    )
    assert removed.status_code == 303
    assert (
        client.get(f"{shop.items}/{product['id']}", headers=shop.headers).json()["variants"] == []
    )


def test_the_stock_link_shows_where_the_inventory_module_is_on(admin, client, runtime, enable):
    if "inventory" not in runtime.registry:
        pytest.skip("the inventory module is not installed")
    browser, shop = admin
    product = create(client, shop, item())
    enable("inventory", tenant_id=shop.tenant.tenant_id)
    page = browser.get(f"{PAGE}{product['id']}?store={shop.store.id}").text
    link = f"/console/inventory/?store={shop.store.id}&amp;product={product['id']}"
    assert link in page


def test_the_category_page_adds_moves_and_deletes(admin, client):
    browser, shop = admin
    url = f"{PAGE}categories?store={shop.store.id}"
    browser.get(url)
    assert browser.post(url, {"name_en": "Coffee"}).status_code == 303
    coffee = client.get(shop.categories, headers=shop.headers).json()["data"][0]
    assert browser.post(url, {"name_en": "Beans", "parent_id": coffee["id"]}).status_code == 303
    page = browser.get(url).text
    assert re.search(r"Coffee.*Beans", page, re.S)
    beans = next(
        c
        for c in client.get(shop.categories, headers=shop.headers).json()["data"]
        if c["name"] == "Beans"
    )
    cycle = browser.post(
        f"{PAGE}categories/{coffee['id']}/move?store={shop.store.id}", {"parent_id": beans["id"]}
    )
    assert cycle.status_code == 303
    assert "is this category or one of its subcategories" in browser.get(url).text
    refused = browser.post(url, {"slug": "Bad Slug!"})
    assert refused.status_code == 422 and "names" in refused.text
    moved = browser.post(
        f"{PAGE}categories/{beans['id']}/move?store={shop.store.id}", {"parent_id": ""}
    )
    assert moved.status_code == 303
    assert (
        browser.post(f"{PAGE}categories/{coffee['id']}/delete?store={shop.store.id}").status_code
        == 303
    )
    assert [
        c["name"] for c in client.get(shop.categories, headers=shop.headers).json()["data"]
    ] == ["Beans"]


def test_staff_see_products_but_no_editing(
    app, runtime, make_tenant, make_store, make_member, enable, client
):
    tenant = make_tenant()
    enable("catalog", tenant_id=tenant.tenant_id)
    make_store(tenant)
    user, password = make_member(tenant, role="staff")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        page = browser.get(PAGE)
        assert page.status_code == 200
        assert 'id="new-product"' not in page.text
        assert browser.get(f"{PAGE}new").status_code == 403


def test_the_pages_do_not_exist_where_the_module_is_off(app, make_tenant, make_member):
    tenant = make_tenant()
    user, password = make_member(tenant)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        assert browser.get(PAGE).status_code == 404
