"""The storefront's carts and checkout: an anonymous shopper fills a cart found by its
token, checks it out into an order (stock reserved, cart closed), opens the order with its
access token; a retried checkout answers the same order; refused input names the field
and leaves the cart as it was."""

from __future__ import annotations

import uuid

import pytest

from tests.modules.orders.conftest import PRODUCTS

PUBLIC = "/api/v1/public/orders"
ADDRESS = {
    "name": "Bea Buyer",
    "line1": "5 avenue de la Liberté",
    "postal_code": "1930",
    "city": "Luxembourg",
    "country": "LU",
}


def base(shop) -> str:  # type: ignore[no-untyped-def]
    return f"{PUBLIC}/stores/{shop.store_id}"


def new_cart(client, shop) -> tuple[dict, dict[str, str]]:  # type: ignore[no-untyped-def]
    response = client.post(f"{base(shop)}/carts")
    assert response.status_code == 201, response.text
    cart = response.json()
    assert cart["token"].startswith("cart_") and cart["items"] == []
    return cart, {"X-Cart-Token": cart["token"]}


def put(client, shop, headers, sku: str, quantity: int):  # type: ignore[no-untyped-def]
    return client.put(
        f"{base(shop)}/cart/items/{sku}", json={"quantity": quantity}, headers=headers
    )


def test_an_anonymous_cart_holds_skus_priced_from_the_catalogue(client, shop) -> None:
    _, headers = new_cart(client, shop)
    assert put(client, shop, headers, "MUG", 2).status_code == 200
    assert put(client, shop, headers, "TEE-XL", 1).status_code == 200
    assert put(client, shop, headers, "BEANS", 1).status_code == 200
    response = put(client, shop, headers, "BEANS", 0)  # taken out again
    cart = response.json()
    assert [(line["sku"], line["quantity"], line["line_total"]) for line in cart["items"]] == [
        ("MUG", 2, 2 * PRODUCTS["MUG"][0]),
        ("TEE-XL", 1, 2690),
    ]
    assert cart["items_total"] == 2 * 1490 + 2690
    assert cart["currency"] == "EUR" and cart["token"] is None
    assert client.get(f"{base(shop)}/cart", headers=headers).json()["items_total"] == 5670


def test_without_its_token_a_cart_is_not_found(client, shop) -> None:
    new_cart(client, shop)
    response = client.get(f"{base(shop)}/cart", headers={"X-Cart-Token": "cart_guess"})
    assert response.status_code == 404 and response.json()["code"] == "cart_not_found"
    assert client.get(f"{base(shop)}/cart").status_code == 404


def test_a_cart_of_another_store_is_not_found(
    client, shop, runtime, make_tenant, make_store, enable
) -> None:  # type: ignore[no-untyped-def]
    from tests.modules.orders.conftest import open_shop

    other = open_shop(runtime, make_tenant, make_store, enable)
    _, headers = new_cart(client, other)
    response = put(client, shop, headers, "MUG", 1)
    assert response.status_code == 404 and response.json()["code"] == "cart_not_found"


def test_an_unknown_sku_is_refused_naming_the_field(client, shop) -> None:
    _, headers = new_cart(client, shop)
    response = put(client, shop, headers, "NOPE", 1)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["sku"]
    assert client.get(f"{base(shop)}/cart", headers=headers).json()["items"] == []


def test_a_quantity_above_stock_is_refused_naming_the_field(client, stocked_shop) -> None:
    shop = stocked_shop
    _, headers = new_cart(client, shop)
    response = put(client, shop, headers, "BEANS", 6)  # 5 in stock
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["quantity"]
    assert "only 5" in response.json()["errors"][0]["message"]


def checkout(client, shop, headers, **body):  # type: ignore[no-untyped-def]
    payload = {"email": "bea@example.com", "name": "Bea Buyer", "shipping_address": ADDRESS}
    payload.update(body)
    return client.post(f"{base(shop)}/cart/checkout", json=payload, headers=headers)


def test_checkout_places_the_order_reserves_stock_and_closes_the_cart(client, stocked_shop) -> None:
    shop = stocked_shop
    _, headers = new_cart(client, shop)
    put(client, shop, headers, "MUG", 3)
    put(client, shop, headers, "BOOK", 1)
    response = checkout(client, shop, headers)
    assert response.status_code == 201, response.text
    placed = response.json()
    order = placed["order"]
    assert order["state"] == "pending" and order["customer_email"] == "bea@example.com"
    assert order["grand_total"] == 3 * 1490 + 3200
    assert [(i["sku"], i["quantity"]) for i in order["items"]] == [("MUG", 3), ("BOOK", 1)]
    assert order["shipping_address"]["city"] == "Luxembourg"

    # Stock: 3 of the 10 mugs are held for the order.
    items = client.get(f"/api/v1/public/catalog/stores/{shop.store_id}/items").json()["data"]
    assert {i["sku"]: i["in_stock"] for i in items}["MUG"] is True
    with shop.work() as session:
        from orion.modules.catalog import services as catalog

        sellable = catalog.find_sellable(session, shop.tenant, store_id=shop.store_id, skus={"MUG"})
        assert sellable["MUG"].available_quantity == 7

    # The cart is closed; its order opens with the access token, not without.
    assert put(client, shop, headers, "MUG", 1).json()["code"] == "cart_closed"
    url = f"{base(shop)}/orders/{order['id']}"
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"X-Order-Token": "ord_" + "0" * 64}).status_code == 404
    opened = client.get(url, headers={"X-Order-Token": placed["access_token"]})
    assert opened.status_code == 200 and opened.json()["number"] == order["number"]


def test_a_retried_checkout_answers_the_same_order(client, shop) -> None:
    _, headers = new_cart(client, shop)
    put(client, shop, headers, "MUG", 1)
    first = checkout(client, shop, headers)
    again = checkout(client, shop, headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["order"]["id"] == first.json()["order"]["id"]
    assert again.json()["access_token"] == first.json()["access_token"]
    with shop.work() as session:
        from orion.kernel.data.paging import Keyset
        from orion.modules.orders import services

        page = services.orders_page(session, shop.tenant, store_id=shop.store_id, page=Keyset())
        assert len(page.data) == 1


def test_stock_short_at_checkout_refuses_naming_the_line_and_keeps_the_cart(
    client, stocked_shop
) -> None:
    shop = stocked_shop
    _, headers = new_cart(client, shop)
    put(client, shop, headers, "BEANS", 5)
    # Meanwhile another shopper buys 3 of the 5.
    _, other = new_cart(client, shop)
    put(client, shop, other, "BEANS", 3)
    assert checkout(client, shop, other).status_code == 201
    response = checkout(client, shop, headers)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "insufficient_stock"
    assert [e["field"] for e in response.json()["errors"]] == ["items[0].quantity"]
    cart = client.get(f"{base(shop)}/cart", headers=headers).json()
    assert cart["state"] == "open" and cart["items"][0]["available"] is False
    assert put(client, shop, headers, "BEANS", 2).status_code == 200
    assert checkout(client, shop, headers).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": None}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"shipping_address": {**ADDRESS, "country": "Luxembourg"}}, "shipping_address.country"),
    ],
)
def test_checkout_refuses_bad_input_naming_the_field(client, shop, body, field) -> None:  # type: ignore[no-untyped-def]
    _, headers = new_cart(client, shop)
    put(client, shop, headers, "MUG", 1)
    response = checkout(client, shop, headers, **body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert client.get(f"{base(shop)}/cart", headers=headers).json()["state"] == "open"


def test_an_empty_cart_cannot_be_checked_out(client, shop) -> None:
    _, headers = new_cart(client, shop)
    response = checkout(client, shop, headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "items"


def test_a_store_whose_tenant_has_orders_off_has_no_cart(client, shop, enable) -> None:
    enable("orders", tenant_id=shop.tenant.tenant_id, on=False)
    response = client.post(f"{base(shop)}/carts")
    assert response.status_code == 404 and response.json()["code"] == "store_not_found"
    assert client.post(f"{PUBLIC}/stores/{uuid.uuid4()}/carts").status_code == 404


# -- signed-in customers ---------------------------------------------------------------------


def register(client, shop, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/api/v1/public/customers/stores/{shop.store_id}/register",
        json={"email": email, "password": "Shopper-pass-42", "first_name": "Cleo",
              "last_name": "Customer"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_signing_in_merges_the_anonymous_cart_into_the_customers(client, shop) -> None:
    _, anonymous = new_cart(client, shop)
    put(client, shop, anonymous, "MUG", 1)
    put(client, shop, anonymous, "BOOK", 1)
    customer = register(client, shop, "cleo@example.com")
    mine = client.post(f"{base(shop)}/carts", headers=customer).json()
    assert mine["token"] is None  # a customer's cart needs no token
    put(client, shop, customer, "MUG", 2)
    merged = client.post(f"{base(shop)}/cart/merge", headers={**customer, **anonymous})
    assert merged.status_code == 200, merged.text
    lines = {line["sku"]: line["quantity"] for line in merged.json()["items"]}
    assert lines == {"MUG": 3, "BOOK": 1}
    # The anonymous cart is closed; merging it again changes nothing.
    assert put(client, shop, anonymous, "MUG", 1).json()["code"] == "cart_closed"
    again = client.post(f"{base(shop)}/cart/merge", headers={**customer, **anonymous})
    assert {line["sku"]: line["quantity"] for line in again.json()["items"]} == lines


def test_a_customers_cart_does_not_open_for_anyone_else(client, shop) -> None:
    customer = register(client, shop, "owner@example.com")
    client.post(f"{base(shop)}/carts", headers=customer)
    put(client, shop, customer, "MUG", 1)
    other = register(client, shop, "other@example.com")
    assert client.get(f"{base(shop)}/cart", headers=other).status_code == 404
    assert client.get(f"{base(shop)}/cart").status_code == 404


def test_a_customers_checkout_lands_in_their_order_history(client, shop) -> None:
    customer = register(client, shop, "history@example.com")
    client.post(f"{base(shop)}/carts", headers=customer)
    put(client, shop, customer, "BEANS", 2)
    placed = checkout(client, shop, customer, email=None, name=None)
    assert placed.status_code == 201, placed.text
    order = placed.json()["order"]
    assert order["customer_email"] == "history@example.com"
    history = client.get(f"{base(shop)}/orders", headers=customer).json()["data"]
    assert [row["id"] for row in history] == [order["id"]]
    assert client.get(f"{base(shop)}/orders/{order['id']}", headers=customer).status_code == 200
    # Another customer sees neither the list entry nor the order.
    other = register(client, shop, "nosy@example.com")
    assert client.get(f"{base(shop)}/orders", headers=other).json()["data"] == []
    assert client.get(f"{base(shop)}/orders/{order['id']}", headers=other).status_code == 404
    # Without signing in there is no history.
    assert client.get(f"{base(shop)}/orders").status_code == 401


def test_a_staff_token_is_no_customer_on_the_storefront(client, shop, admin_headers) -> None:
    response = client.post(f"{base(shop)}/carts", headers=admin_headers)
    assert response.status_code == 401
    assert response.json()["code"] == "customer_token_invalid"
