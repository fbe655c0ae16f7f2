"""The orders API as members and operators use it: per store, permissions by role,
another tenant's orders do not exist, lists filter and page."""

from __future__ import annotations

import uuid

from orion.modules.orders import services

ORDER = {
    "customer_email": "Buyer@Example.COM",
    "customer_name": "Bea Buyer",
    "items": [{"sku": "MUG", "quantity": 2}, {"sku": "TEE-M", "quantity": 1}],
    "shipping_total": 490,
    "shipping_address": {
        "name": "Bea Buyer",
        "line1": "5 avenue de la Liberté",
        "postal_code": "1930",
        "city": "Luxembourg",
        "country": "LU",
    },
}


def test_a_member_runs_an_order_from_checkout_to_refund(client, shop, admin_headers):
    placed = client.post(shop.api(), json=ORDER, headers=admin_headers)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["state"], order["customer_email"], order["grand_total"]) == (
        "pending",
        "Buyer@example.com",
        2 * 1490 + 2490 + 490,
    )
    assert order["billing_address"] == order["shipping_address"]
    path = shop.api(f"/{order['id']}")
    assert client.post(path + "/confirm", headers=admin_headers).json()["state"] == "confirmed"
    paid = client.post(path + "/payments", json={"reference": "SEPA 42"}, headers=admin_headers)
    assert (paid.json()["state"], paid.json()["paid_total"]) == ("paid", order["grand_total"])
    shipped = client.post(
        path + "/fulfillments",
        json={
            "lines": [{"item_id": order["items"][0]["id"], "quantity": 2}],
            "carrier": "DHL",
            "tracking_number": "JD0001",
        },
        headers=admin_headers,
    )
    assert shipped.status_code == 201 and shipped.json()["lines"][0]["quantity"] == 2
    assert client.get(path, headers=admin_headers).json()["state"] == "partially_fulfilled"
    client.post(path + "/fulfillments", json={}, headers=admin_headers)
    invoice = client.post(path + "/invoice", headers=admin_headers)
    assert invoice.status_code == 201
    assert client.post(path + "/invoice", headers=admin_headers).status_code == 200
    returned = client.post(
        path + "/returns",
        json={"lines": [{"item_id": order["items"][1]["id"], "quantity": 1}], "restock": True},
        headers=admin_headers,
    )
    assert returned.status_code == 201
    refunded = client.post(
        path + "/refunds",
        json={"lines": [{"item_id": order["items"][1]["id"], "quantity": 1}]},
        headers=admin_headers,
    )
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["order"]["state"] == "partially_refunded"
    assert refunded.json()["credit_note"]["amount"] == 2490
    timeline = client.get(path + "/events", headers=admin_headers).json()
    assert [e["kind"] for e in timeline["data"]] == [
        "placed",
        "confirmed",
        "paid",
        "fulfillment_created",
        "fulfillment_created",
        "invoice_issued",
        "return_received",
        "refunded",
    ]
    assert timeline["data"][1]["actor"].startswith("user:")
    invoices = client.get(f"/api/v1/orders/stores/{shop.store_id}/invoices", headers=admin_headers)
    assert invoices.json()["count"] == 1


def test_a_refused_step_says_which_states(client, shop, admin_headers):
    order = client.post(shop.api(), json=ORDER, headers=admin_headers).json()
    refused = client.post(shop.api(f"/{order['id']}/complete"), headers=admin_headers)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "invalid_order_transition"
    assert (problem["current_state"], problem["requested_state"]) == ("pending", "completed")


def test_staff_manage_orders_but_do_not_refund(client, shop, staff_headers):
    order = client.post(shop.api(), json=ORDER, headers=staff_headers)
    assert order.status_code == 201
    path = shop.api(f"/{order.json()['id']}")
    assert client.post(path + "/payments", json={}, headers=staff_headers).status_code == 200
    refused = client.post(path + "/refunds", json={"amount": 100}, headers=staff_headers)
    assert refused.status_code == 403


def test_a_user_without_the_permissions_reads_nothing(client, shop, make_member, login):
    user, password = make_member(shop.tenant, "user")
    headers = login(user.email, password, tenant_id=shop.tenant.tenant_id)
    assert client.get(shop.api(), headers=headers).status_code == 403
    assert client.post(shop.api(), json=ORDER, headers=headers).status_code == 403


def test_another_tenants_order_and_store_do_not_exist(
    client, runtime, shop, admin_headers, make_tenant, make_store, enable, make_member, login
):
    from tests.modules.orders.conftest import open_shop

    other = open_shop(runtime, make_tenant, make_store, enable)
    theirs = other.place(("MUG", 1))
    user, password = make_member(other.tenant, "tenant_admin")
    their_headers = login(user.email, password, tenant_id=other.tenant.tenant_id)
    mine = client.post(shop.api(), json=ORDER, headers=admin_headers).json()

    assert client.get(other.api(f"/{theirs.id}"), headers=admin_headers).status_code == 404
    assert client.get(shop.api(f"/{theirs.id}"), headers=admin_headers).status_code == 404
    assert client.get(shop.api(f"/{mine['id']}"), headers=their_headers).status_code == 404
    assert client.post(other.api(f"/{theirs.id}/cancel"), headers=admin_headers).status_code == 404
    assert client.get(shop.api(f"/{uuid.uuid4()}"), headers=admin_headers).json()["code"] == (
        "order_not_found"
    )


def test_operators_act_for_the_tenant(client, shop, operator_headers):
    order = shop.place(("MUG", 1))
    base = f"/api/v1/admin/orders/tenants/{shop.tenant.tenant_id}/stores/{shop.store_id}/orders"
    listed = client.get(base, headers=operator_headers)
    assert listed.status_code == 200
    assert [o["number"] for o in listed.json()["data"]] == [order.number]
    confirmed = client.post(f"{base}/{order.id}/confirm", headers=operator_headers)
    assert confirmed.json()["state"] == "confirmed"


def test_the_list_filters_by_state_and_text_and_pages_by_keyset(client, shop, admin_headers):
    orders = [shop.place(("BOOK", 1), customer_email=f"c{i}@example.com") for i in range(5)]
    shop.call(services.cancel, orders[1].id)
    canceled = client.get(shop.api() + "?state=canceled", headers=admin_headers).json()
    assert [o["id"] for o in canceled["data"]] == [str(orders[1].id)]
    found = client.get(shop.api() + "?search=c3@", headers=admin_headers).json()
    assert [o["id"] for o in found["data"]] == [str(orders[3].id)]
    by_number = client.get(shop.api() + f"?search={orders[4].number}", headers=admin_headers)
    assert [o["number"] for o in by_number.json()["data"]] == [orders[4].number]
    first = client.get(shop.api() + "?limit=3", headers=admin_headers).json()
    rest = client.get(
        shop.api() + f"?limit=3&after={first['next_cursor']}", headers=admin_headers
    ).json()
    seen = [o["id"] for o in first["data"] + rest["data"]]
    assert seen == [str(o.id) for o in reversed(orders)]
    assert rest["next_cursor"] is None


def test_without_the_module_there_are_no_orders(
    client, runtime, make_tenant, make_store, make_member, login, enable
):
    tenant = make_tenant()
    enable("catalog", tenant_id=tenant.tenant_id)
    store = make_store(tenant)
    user, password = make_member(tenant, "tenant_admin")
    headers = login(user.email, password, tenant_id=tenant.tenant_id)
    response = client.get(f"/api/v1/orders/stores/{store.id}/orders", headers=headers)
    assert (response.status_code, response.json()["code"]) == (403, "module_not_enabled")
