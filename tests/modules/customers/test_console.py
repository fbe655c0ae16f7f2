"""The customers console as a store's staff use it: the menu item, the table with its
search, adding a customer, its page with addresses, orders, edits and the account
actions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Browser, errors_in


@pytest.fixture
def admin(app, shop, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, role="tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser


def _page(shop, path: str = "/") -> str:  # type: ignore[no-untyped-def]
    separator = "&" if "?" in path else "?"
    return f"/console/customers{path}{separator}store={shop.store_id}"


def test_the_menu_opens_the_customers_of_the_store_with_a_search(admin, shop):
    assert "/console/customers/" in admin.menu()
    shop.register("zoe@example.com", first_name="Zoe", last_name="Zimmer")
    shop.register("yann@example.com", first_name="Yann", last_name="Young")
    page = admin.get(_page(shop))
    assert page.status_code == 200
    assert "zoe@example.com" in page.text and "Yann Young" in page.text
    found = admin.get(_page(shop, "/?search=zimmer")).text
    assert "zoe@example.com" in found and "yann@example.com" not in found
    assert "No customer matches." in admin.get(_page(shop, "/?search=nobody")).text


def test_staff_add_a_customer_and_a_duplicate_is_shown_on_its_field(admin, shop):
    added = admin.post(_page(shop), {"email": "Walk.In@Example.com", "first_name": "Walt"})
    assert added.status_code == 303
    page = admin.get(added.headers["location"])
    assert "walk.in@example.com" in page.text and "No password yet" in page.text
    again = admin.post(_page(shop), {"email": "walk.in@EXAMPLE.com"})
    assert again.status_code == 422
    assert "already has the email" in errors_in(again.text)["email"]


def test_a_customers_page_edits_it_and_keeps_its_addresses(admin, shop):
    signed_up = shop.register(f"page-{uuid.uuid4().hex[:6]}@example.com", first_name="Pia")
    customer_id = signed_up["customer"]["id"]
    url = _page(shop, f"/{customer_id}")
    assert "Pia Shopper" in admin.get(url).text

    bad = admin.post(
        _page(shop, f"/{customer_id}/addresses"),
        {
            "kind": "shipping",
            "name": "Pia",
            "line1": "1 rue",
            "postal_code": "1",
            "city": "Lux",
            "country": "Luxembourg",
        },
    )
    assert bad.status_code == 422 and "country" in errors_in(bad.text)
    for line in ("1 rue Haute", "2 rue Basse"):
        added = admin.post(
            _page(shop, f"/{customer_id}/addresses"),
            {
                "kind": "shipping",
                "name": "Pia",
                "line1": line,
                "postal_code": "1",
                "city": "Lux",
                "country": "LU",
            },
        )
        assert added.status_code == 303
    page = admin.get(url).text
    assert "1 rue Haute" in page and "2 rue Basse" in page and page.count("(default)") == 1

    saved = admin.post(
        url,
        {
            "email": signed_up["customer"]["email"],
            "first_name": "Pia",
            "last_name": "Pereira",
            "marketing_consent": "on",
        },
    )
    assert saved.status_code == 303
    page = admin.get(url).text
    assert "Pia Pereira" in page and "Marketing mail: agreed" in page


def test_deactivate_export_and_erase_from_the_page(admin, shop):
    signed_up = shop.register(f"acts-{uuid.uuid4().hex[:6]}@example.com")
    customer_id = signed_up["customer"]["id"]
    assert admin.post(_page(shop, f"/{customer_id}/deactivate")).status_code == 303
    assert 'id="activate-form"' in admin.get(_page(shop, f"/{customer_id}")).text

    exported = admin.get(_page(shop, f"/{customer_id}/export"))
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json()["customer"]["id"] == customer_id

    unconfirmed = admin.post(_page(shop, f"/{customer_id}/erase"))
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    erased = admin.post(_page(shop, f"/{customer_id}/erase"), {"confirm": "on"})
    assert erased.status_code == 303
    page = admin.get(_page(shop, f"/{customer_id}")).text
    assert "erased" in page and signed_up["customer"]["email"] not in page
