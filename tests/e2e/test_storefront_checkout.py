"""The storefront end to end, through the HTTP API only, with real components behind it: a
shopper fills an anonymous cart, signs up (the cart joins their account), checks out (stock
reserved), pays by card (the real Stripe SDK against the loopback Stripe server) or by
bank transfer, the store captures or marks the money received, the order is paid and
invoiced, the confirmation mail reaches the SMTP server on loopback (a real worker delivers
the outbox), a refund gives a credit note, a replayed webhook changes nothing, and the
customer's erasure leaves the order's amounts and the stock ledger exact."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from orion.modules.payments import services as payments
from orion.modules.payments.schemas import BankAccountUpdate, StripeAccountUpdate
from tests.helpers import wait_for
from tests.modules.email.conftest import (  # noqa: F401 - fixtures
    certificates,
    email_settings,
    plain_smtp,
)
from tests.modules.orders.conftest import Shop, open_shop, stock

pytestmark = pytest.mark.usefixtures("worker")

ADDRESS = {
    "name": "Bea Buyer",
    "line1": "5 avenue de la Liberté",
    "postal_code": "1930",
    "city": "Luxembourg",
    "country": "LU",
}
PASSWORD = "Shopper-pass-42"


class Storefront:
    """A shopper's and the store staff's view of one store, over HTTP."""

    def __init__(self, client: Any, shop: Shop, staff: dict[str, str]) -> None:
        self.client, self.shop, self.staff = client, shop, staff
        self.store = f"/stores/{shop.store_id}"

    def public(self, module: str, path: str) -> str:
        return f"/api/v1/public/{module}{self.store}{path}"

    def call(self, method: str, url: str, status: int, **kwargs: Any) -> Any:
        response = self.client.request(method, url, **kwargs)
        assert response.status_code == status, (url, response.status_code, response.text)
        return response.json() if response.content else None

    def fill_anonymous_cart(self, *lines: tuple[str, int]) -> dict[str, str]:
        cart = self.call("POST", self.public("orders", "/carts"), 201)
        headers = {"X-Cart-Token": cart["token"]}
        for sku, quantity in lines:
            self.call(
                "PUT", self.public("orders", f"/cart/items/{sku}"), 200,
                json={"quantity": quantity}, headers=headers,
            )  # fmt: skip
        return headers

    def staff_order(self, order_id: str) -> dict:
        return self.call("GET", f"/api/v1/orders{self.store}/orders/{order_id}", 200,
                         headers=self.staff)  # fmt: skip

    def wait_for_order(self, order_id: str, **expected: Any) -> dict:
        def reached() -> bool:
            order = self.staff_order(order_id)
            return all(order[key] == value for key, value in expected.items())

        assert wait_for(reached, timeout=20), (self.staff_order(order_id), expected)
        return self.staff_order(order_id)

    def invoice_of(self, order_id: str) -> dict:
        # Answered (200) when the order has one already: payment issued it.
        return self.call("POST", f"/api/v1/orders{self.store}/orders/{order_id}/invoice", 200,
                         headers=self.staff)  # fmt: skip


@pytest.fixture
def storefront(  # type: ignore[no-untyped-def]
    runtime,
    client,
    make_tenant,
    make_store,
    enable,
    make_member,
    login,
    stripe_server,
    email_settings,  # noqa: F811
) -> Storefront:
    shop = open_shop(
        runtime, make_tenant, make_store, enable, modules=("payments", "inventory", "email")
    )
    stock(shop, "MUG", 10)
    stock(shop, "BOOK", 4)
    with shop.work() as session:
        payments.configure_stripe(session, shop.tenant, data=StripeAccountUpdate(
            secret_key=stripe_server.api_key, webhook_secret=stripe_server.webhook_secret,
            publishable_key="pk_test_storefront",
        ))  # fmt: skip
        payments.configure_bank(session, shop.tenant, data=BankAccountUpdate(
            account_holder="Test Shop SARL", iban="LU280019400644750000", bic="BCEELULL"
        ))  # fmt: skip
    user, password = make_member(shop.tenant, "tenant_admin")
    return Storefront(client, shop, login(user.email, password, tenant_id=shop.tenant.tenant_id))


def test_a_card_order_from_anonymous_cart_to_invoice_refund_and_erasure(
    storefront,
    stripe_server,
    plain_smtp,  # noqa: F811
) -> None:
    s = storefront
    cart = s.fill_anonymous_cart(("MUG", 2), ("BOOK", 1))

    # The shopper signs up; their anonymous cart joins their account.
    email = f"bea-{uuid.uuid4().hex[:6]}@example.com"
    signed_up = s.call("POST", s.public("customers", "/register"), 201, json={
        "email": email, "password": PASSWORD, "first_name": "Bea", "last_name": "Buyer",
    })  # fmt: skip
    customer = {"Authorization": f"Bearer {signed_up['access_token']}"}
    merged = s.call("POST", s.public("orders", "/cart/merge"), 200, headers={**customer, **cart})
    assert {line["sku"]: line["quantity"] for line in merged["items"]} == {"MUG": 2, "BOOK": 1}

    placed = s.call("POST", s.public("orders", "/cart/checkout"), 201,
                    json={"shipping_address": ADDRESS}, headers=customer)  # fmt: skip
    order = placed["order"]
    assert order["grand_total"] == 2 * 1490 + 3200 and order["customer_email"] == email
    mug = s.call("GET", s.public("catalog", "/items"), 200, params={"q": "MUG"})["data"][0]
    assert mug["in_stock"] is True

    # Card payment: started and confirmed by the shopper, captured by the store.
    payments_url = f"/api/v1/public/payments{s.store}/orders/{order['id']}/payments"
    started = s.call("POST", payments_url, 201, json={"provider": "stripe"}, headers=customer)
    assert started["client_secret"] and started["publishable_key"] == "pk_test_storefront"
    authorised = s.call("POST", f"{payments_url}/{started['id']}/confirm", 200,
                        json={"payment_method": "pm_card_visa"}, headers=customer)  # fmt: skip
    assert authorised["state"] == "authorised"
    captured = s.call("POST", f"/api/v1/payments{s.store}/payments/{started['id']}/captures", 201,
                      json={}, headers={**s.staff, "Idempotency-Key": "capture-1"})  # fmt: skip
    assert captured["payment"]["state"] == "captured"
    again = s.client.post(f"/api/v1/payments{s.store}/payments/{started['id']}/captures",
                          json={}, headers={**s.staff, "Idempotency-Key": "capture-1"})  # fmt: skip
    assert again.status_code == 200 and again.json()["replayed"] is True

    paid = s.wait_for_order(order["id"], state="paid", paid_total=order["grand_total"])
    invoice = s.invoice_of(order["id"])
    assert invoice["grand_total"] == order["grand_total"]

    # Stripe delivers its webhooks, twice: nothing moves again.
    intent = started["provider_reference"]
    for event in stripe_server.events_of("payment_intent.succeeded", intent) * 2:
        assert stripe_server.send(s.client, event, path="/api/v1/public/payments/webhooks/stripe"
                                  ).status_code == 200  # fmt: skip
    assert s.staff_order(order["id"])["paid_total"] == paid["paid_total"]

    # The confirmation mail reached the SMTP server, through the outbox and the worker.
    mail = plain_smtp.wait_for(email)
    assert order["number"] in mail.message["Subject"]

    # A partial refund gives the order a credit note.
    refunded = s.call("POST", f"/api/v1/payments{s.store}/payments/{started['id']}/refunds", 201,
                      json={"amount": 1490, "reason": "one mug broke"},
                      headers={**s.staff, "Idempotency-Key": "refund-1"})  # fmt: skip
    assert refunded["payment"]["state"] == "partially_refunded"
    s.wait_for_order(order["id"], state="partially_refunded", refunded_total=1490)
    notes = s.call("GET", f"/api/v1/orders{s.store}/credit-notes", 200, headers=s.staff)["data"]
    assert [(n["order_id"], n["amount"]) for n in notes] == [(order["id"], 1490)]

    # The customer sees the order, then asks to be erased: the amounts stay exact.
    history = s.call("GET", s.public("orders", "/orders"), 200, headers=customer)["data"]
    assert [row["id"] for row in history] == [order["id"]]
    s.call("POST", s.public("customers", "/me/erase"), 204, json={"password": PASSWORD},
           headers=customer)  # fmt: skip
    after = s.staff_order(order["id"])
    assert after["customer_email"] != email and after["customer_name"] == "(erased)"
    assert after["vat_total"] == order["vat_total"]
    assert (after["grand_total"], after["paid_total"], after["refunded_total"]) == (
        order["grand_total"], order["grand_total"], 1490,
    )  # fmt: skip
    assert s.client.get(s.public("orders", "/orders"), headers=customer).status_code == 401
    levels = s.call("GET", f"/api/v1/inventory{s.store}/levels", 200, headers=s.staff)["data"]
    mugs = next(level for level in levels if level["sku"] == "MUG")
    assert (mugs["on_hand"], mugs["reserved"]) == (10, 2)  # the order still holds its mugs


def test_a_guest_pays_by_bank_transfer_and_gets_an_invoice(storefront, plain_smtp) -> None:  # noqa: F811
    s = storefront
    cart = s.fill_anonymous_cart(("BOOK", 2))
    email = f"guest-{uuid.uuid4().hex[:6]}@example.com"
    placed = s.call("POST", s.public("orders", "/cart/checkout"), 201, headers=cart, json={
        "email": email, "name": "Gus Guest", "shipping_address": ADDRESS,
    })  # fmt: skip
    order, token = placed["order"], {"X-Order-Token": placed["access_token"]}
    payments_url = f"/api/v1/public/payments{s.store}/orders/{order['id']}/payments"
    transfer = s.call("POST", payments_url, 201, json={"provider": "bank_transfer"}, headers=token)
    instructions = transfer["instructions"]
    assert instructions["iban"] == "LU280019400644750000"
    assert instructions["amount"] == order["grand_total"] == 6400
    assert order["number"] in instructions["reference"]
    # Without the order's token the payment is not the shopper's business.
    assert s.client.post(payments_url, json={"provider": "bank_transfer"}).status_code == 404

    received = f"/api/v1/payments{s.store}/payments/{transfer['id']}/received"
    s.call("POST", received, 201, json={}, headers={**s.staff, "Idempotency-Key": "transfer-1"})
    replay = s.client.post(received, json={}, headers={**s.staff, "Idempotency-Key": "transfer-1"})
    assert replay.status_code == 200
    s.wait_for_order(order["id"], state="paid", paid_total=6400)
    assert s.invoice_of(order["id"])["grand_total"] == 6400
    shown = s.call("GET", payments_url, 200, headers=token)["payments"]
    assert [(p["provider"], p["state"]) for p in shown] == [("bank_transfer", "captured")]
    mail = plain_smtp.wait_for(email)
    assert order["number"] in mail.message["Subject"]
