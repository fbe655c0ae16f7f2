"""The Stock pages of the console as a tenant member uses them: the stock table per
location with low and sold-out marked, receiving and adjusting by SKU, the movements and
the locations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.modules.inventory import definition
from tests.console.conftest import Browser, errors_in
from tests.modules.inventory.conftest import Shop

PAGE = "/console/inventory/"


@pytest.fixture
def browser(app, shop: Shop, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, "staff")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        signed = Browser(c)
        signed.sign_in(user.email, password)
        yield signed


def test_the_menu_item_opens_the_stock_table_with_badges(browser, shop):
    (item,) = definition.menu
    main, floor = shop.location("main"), shop.location("shop")
    beans, mug, cup = shop.product("BEANS"), shop.product("MUG"), shop.product("CUP")
    shop.receive(main, beans, 12)
    shop.receive(floor, beans, 3)
    shop.receive(main, mug, 1)
    shop.receive(main, cup, 1)
    shop.place((cup, 1))

    page = browser.get(f"{item.path}?store={shop.store_id}")

    assert page.status_code == 200, page.text
    assert item.path in browser.menu(f"{item.path}?store={shop.store_id}")
    assert "<h1>Stock</h1>" in page.text
    row = page.text.split('id="item-BEANS"', 1)[1].split("</tr>", 1)[0]
    assert ">12<" in row and ">3<" in row and "<strong>15</strong>" in row
    cup_row = page.text.split('id="item-CUP"', 1)[1].split("</tr>", 1)[0]
    assert "out of stock" in cup_row and "1 reserved" in cup_row
    assert "Product BEANS" in page.text  # the catalog's title
    only = browser.get(f"{PAGE}?store={shop.store_id}&product={mug.id}").text
    assert 'id="item-MUG"' in only and 'id="item-BEANS"' not in only


def test_receiving_and_adjusting_by_sku_and_what_is_refused(browser, shop):
    main = shop.location("main")
    beans = shop.product("BEANS")
    browser.get(f"{PAGE}?store={shop.store_id}")

    received = browser.post(
        f"{PAGE}receive?store={shop.store_id}",
        {"location_id": str(main.id), "sku": "BEANS", "quantity": "7", "reason": "delivery"},
    )
    assert received.status_code == 303, received.text
    shown = browser.get(received.headers["location"]).text
    assert "Received 7 unit(s)." in shown

    unknown = browser.post(
        f"{PAGE}receive?store={shop.store_id}",
        {"location_id": str(main.id), "sku": "NOPE", "quantity": "1"},
    )
    assert unknown.status_code == 422
    assert errors_in(unknown.text) == {"sku": "no product has SKU NOPE"}
    assert 'value="NOPE"' in unknown.text  # what was typed is kept

    zero = browser.post(
        f"{PAGE}receive?store={shop.store_id}",
        {"location_id": str(main.id), "sku": "BEANS", "quantity": "0"},
    )
    assert zero.status_code == 422 and "quantity" in errors_in(zero.text)

    counted = browser.post(
        f"{PAGE}adjust?store={shop.store_id}",
        {
            "location_id": str(main.id),
            "sku": "BEANS",
            "mode": "set",
            "quantity": "4",
            "reason": "count",
        },
    )
    assert counted.status_code == 303, counted.text
    assert "4 on hand now" in browser.get(counted.headers["location"]).text
    too_many = browser.post(
        f"{PAGE}adjust?store={shop.store_id}",
        {"location_id": str(main.id), "sku": "BEANS", "quantity": "-9", "reason": "lost"},
    )
    assert too_many.status_code == 422
    assert "quantity" in errors_in(too_many.text)
    assert shop.level(main, beans) == (4, 0) and shop.ledger_is_exact()


def test_the_movements_page_lists_the_ledger(browser, shop):
    main = shop.location("main")
    beans = shop.product("BEANS")
    shop.receive(main, beans, 5)
    shop.place((beans, 2))

    page = browser.get(f"/console/inventory/movements?store={shop.store_id}")

    assert page.status_code == 200, page.text
    table = page.text.split('id="movements"', 1)[1]
    assert table.index("reserve") < table.index("receive")  # newest first
    assert "BEANS" in table and "+5" in table and "+2" in table
    only = browser.get(f"/console/inventory/movements?store={shop.store_id}&kind=receive").text
    assert "reserve</td>" not in only.split('id="movements"', 1)[1]


def test_the_locations_page_adds_and_switches_off_a_location(browser, shop):
    page = browser.get(f"/console/inventory/locations?store={shop.store_id}")
    assert page.status_code == 200 and "No location yet." in page.text

    added = browser.post(
        f"/console/inventory/locations?store={shop.store_id}",
        {"code": "main", "name": "Main warehouse", "priority": "5"},
    )
    assert added.status_code == 303, added.text
    bad = browser.post(
        f"/console/inventory/locations?store={shop.store_id}", {"code": "Main Hall", "name": "x"}
    )
    assert bad.status_code == 422 and "code" in errors_in(bad.text)
    taken = browser.post(
        f"/console/inventory/locations?store={shop.store_id}", {"code": "main", "name": "Again"}
    )
    assert taken.status_code == 422 and "code" in errors_in(taken.text)

    listed = browser.get(f"/console/inventory/locations?store={shop.store_id}").text
    assert "Main warehouse" in listed
    location_id = listed.split("/console/inventory/locations/", 1)[1].split("/active", 1)[0]
    off = browser.post(
        f"/console/inventory/locations/{location_id}/active?store={shop.store_id}",
        {"is_active": "false"},
    )
    assert off.status_code == 303
    assert "Switch on" in browser.get(f"/console/inventory/locations?store={shop.store_id}").text


def test_the_pages_do_not_exist_where_the_module_is_off(app, make_tenant, make_member):
    tenant = make_tenant()
    user, password = make_member(tenant)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        signed = Browser(c)
        signed.sign_in(user.email, password)
        assert signed.get(PAGE).status_code == 404
