"""Bank transfers: the customer gets the account and a reference; staff mark the money
received, in parts; the order is paid once it all came in; a refund gives a credit note."""

from __future__ import annotations

from tests.modules.payments.conftest import IBAN, refund, start


def received(client, paying, payment_id, key, amount=None):  # type: ignore[no-untyped-def]
    return client.post(
        paying.staff_path(payment_id, "/received"),
        json={} if amount is None else {"amount": amount},
        headers={**paying.headers, "Idempotency-Key": key},
    )


def test_the_customer_gets_transfer_instructions_with_a_reference(client, paying):
    order = paying.order(("BOOK", 2))
    started = start(client, paying, order.id, "bank_transfer")
    assert started["state"] == "pending" and started["client_secret"] is None
    instructions = started["instructions"]
    assert instructions["iban"] == IBAN and instructions["account_holder"] == "Test Shop SARL"
    assert instructions["amount"] == 6400 and instructions["currency"] == "EUR"
    assert instructions["reference"].startswith(order.number + "-")
    # Stripe is not asked for this order (other tests' payments may still be settling).
    asked = paying.stripe.calls("POST", "/v1/payment_intents")
    assert [c for c in asked if c.get("metadata", {}).get("orion_order_id") == str(order.id)] == []
    again = start(client, paying, order.id, "bank_transfer")
    assert again["id"] == started["id"]  # asked twice: the same transfer
    listed = client.get(
        paying.shop_path(order.id), headers={"X-Order-Token": paying.token(order.id)}
    )
    assert [p["id"] for p in listed.json()["payments"]] == [started["id"]]


def test_a_transfer_received_in_two_parts_pays_the_order_then_a_refund_gives_a_credit_note(
    client, paying
):
    order = paying.order(("BOOK", 2))
    payment = start(client, paying, order.id, "bank_transfer")
    first = received(client, paying, payment["id"], "stmt-1", 4000)
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["state"] == "partially_captured"
    paying.wait_order(order.id, paid_total=4000, state="pending")
    assert received(client, paying, payment["id"], "stmt-1", 4000).status_code == 200  # replay
    rest = received(client, paying, payment["id"], "stmt-2")
    assert rest.json()["operation"]["amount"] == 2400
    assert rest.json()["payment"]["state"] == "captured"
    paying.wait_order(order.id, paid_total=6400, state="paid")

    back = refund(client, paying, payment["id"], "back-1", 1500)
    assert back.status_code == 201, back.text
    paying.wait_order(order.id, refunded_total=1500, state="partially_refunded")
    (note,) = paying.credit_notes(order.id)
    assert note.amount == 1500 and "damaged" in (note.reason or "")


def test_more_than_the_transfer_expects_is_refused_naming_the_amount(client, paying):
    order = paying.order(("MUG", 1))  # 14.90
    payment = start(client, paying, order.id, "bank_transfer")
    response = received(client, paying, payment["id"], "too-much", 1500)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "amount"
    assert "1490 still expected" in response.json()["errors"][0]["message"]
    assert paying.operations(payment["id"]) == []
    assert paying.payment(payment["id"]).captured_amount == 0


def test_a_card_payment_is_not_marked_received_nor_a_transfer_captured(client, paying):
    order = paying.order(("MUG", 1))
    transfer = start(client, paying, order.id, "bank_transfer")
    response = client.post(
        paying.staff_path(transfer["id"], "/captures"),
        json={},
        headers={**paying.headers, "Idempotency-Key": "k-1"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "payment_action_not_allowed"


def test_a_store_without_a_bank_account_takes_no_transfer(client, paying):
    from orion.modules.payments.models import BankAccount

    with paying.shop.work() as session:
        session.query(BankAccount).delete()
    order = paying.order(("MUG", 1))
    response = client.post(
        paying.shop_path(order.id),
        json={"provider": "bank_transfer"},
        headers={"X-Order-Token": paying.token(order.id)},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "payment_provider_not_configured"
