"""Card payments through Stripe (the real SDK against the loopback server): a PaymentIntent
with manual capture, confirmed server-side, captured in parts, refunded in parts; the
order follows through orders' handlers (a real worker delivers the events)."""

from __future__ import annotations

from tests.modules.payments.conftest import authorised, capture, refund, start


def test_a_card_payment_is_authorised_captured_in_parts_and_pays_the_order(client, paying):
    order = paying.order(("BOOK", 2))  # 64.00
    started = start(client, paying, order.id)
    assert started["state"] == "pending"
    assert started["client_secret"].startswith(started["provider_reference"] + "_secret_")
    assert started["publishable_key"] == "pk_test_orion"
    intent = paying.stripe.payment_intents[started["provider_reference"]]
    assert intent["capture_method"] == "manual" and intent["amount"] == 6400
    assert intent["metadata"]["orion_payment_id"] == started["id"]

    payment = authorised(client, paying, order.id)
    first = capture(client, paying, payment["id"], "cap-1", 4000)
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["state"] == "partially_captured"
    assert first.json()["payment"]["capturable_amount"] == 2400
    rest = capture(client, paying, payment["id"], "cap-2")
    assert rest.status_code == 201, rest.text
    assert rest.json()["operation"]["amount"] == 2400
    assert rest.json()["payment"]["state"] == "captured"
    assert intent["amount_received"] == 6400 and intent["status"] == "succeeded"
    captures = paying.stripe.calls("POST", f"/v1/payment_intents/{intent['id']}/capture")
    assert [c["amount_to_capture"] for c in captures] == ["4000", "2400"]
    assert [c["final_capture"] for c in captures] == ["false", "true"]

    paid = paying.wait_order(order.id, state="paid", paid_total=6400)
    assert paid.state == "paid"


def test_partial_refunds_give_the_order_credit_notes_and_never_pass_the_capture(client, paying):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    assert capture(client, paying, payment["id"], "all").status_code == 201
    paying.wait_order(order.id, state="paid")

    first = refund(client, paying, payment["id"], "ref-1", 1000)
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["state"] == "partially_refunded"
    assert first.json()["operation"]["provider_reference"].startswith("re_")
    paying.wait_order(order.id, state="partially_refunded", refunded_total=1000)
    second = refund(client, paying, payment["id"], "ref-2", 5400)
    assert second.status_code == 201, second.text
    assert second.json()["payment"]["state"] == "refunded"
    paying.wait_order(order.id, state="refunded", refunded_total=6400)
    notes = paying.credit_notes(order.id)
    assert sorted(n.amount for n in notes) == [1000, 5400]

    asked = len(paying.stripe.calls("POST", "/v1/refunds"))
    beyond = refund(client, paying, payment["id"], "ref-3", 1)
    assert beyond.status_code == 422
    assert beyond.json()["code"] == "amount_too_large"
    assert beyond.json()["errors"][0]["field"] == "amount"
    assert len(paying.stripe.calls("POST", "/v1/refunds")) == asked  # Stripe not asked


def test_a_second_capture_beyond_the_authorised_amount_is_refused_naming_the_amount(client, paying):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    assert capture(client, paying, payment["id"], "part", 5000).status_code == 201
    calls = len(paying.stripe.calls("POST", "/v1/payment_intents"))

    beyond = capture(client, paying, payment["id"], "more", 2000)
    assert beyond.status_code == 422
    body = beyond.json()
    assert body["code"] == "amount_too_large"
    assert body["errors"] == [
        {"field": "amount", "message": "is more than the 1400 still authorised on this payment",
         "type": "invalid"}
    ]  # fmt: skip
    assert (body["available"], body["requested"]) == (1400, 2000)
    # Nothing written, Stripe not asked.
    assert [op.amount for op in paying.operations(payment["id"])] == [5000]
    assert paying.payment(payment["id"]).captured_amount == 5000
    assert len(paying.stripe.calls("POST", "/v1/payment_intents")) == calls


def test_a_retried_capture_with_one_key_has_one_effect(client, paying):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    first = capture(client, paying, payment["id"], "same-key", 3000)
    again = capture(client, paying, payment["id"], "same-key", 3000)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["operation"]["id"] == first.json()["operation"]["id"]
    assert paying.payment(payment["id"]).captured_amount == 3000
    assert paying.stripe.payment_intents[payment["provider_reference"]]["amount_received"] == 3000
    other_amount = capture(client, paying, payment["id"], "same-key", 1000)
    assert other_amount.status_code == 409
    assert other_amount.json()["code"] == "idempotency_key_reused"
    paying.wait_order(order.id, paid_total=3000)


def test_a_capture_without_an_idempotency_key_is_refused(client, paying):
    order = paying.order(("BOOK", 1))
    payment = authorised(client, paying, order.id)
    response = client.post(
        paying.staff_path(payment["id"], "/captures"), json={}, headers=paying.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert paying.operations(payment["id"]) == []


def test_a_declined_card_is_recorded_and_another_card_can_follow(client, paying):
    order = paying.order(("MUG", 1))
    started = start(client, paying, order.id)
    token = {"X-Order-Token": paying.token(order.id)}
    declined = client.post(
        paying.shop_path(order.id, f"/{started['id']}/confirm"),
        json={"payment_method": "pm_card_chargeDeclined"},
        headers=token,
    )
    assert declined.status_code == 402
    assert declined.json()["code"] == "payment_declined"
    assert paying.payment(started["id"]).state == "failed"
    assert paying.payment(started["id"]).failure_code == "generic_decline"
    again = start(client, paying, order.id)
    assert again["id"] == started["id"]  # the same payment, tried again
    confirmed = client.post(
        paying.shop_path(order.id, f"/{started['id']}/confirm"),
        json={"payment_method": "pm_card_visa"},
        headers=token,
    )
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "authorised"
    assert paying.payment(started["id"]).failure_message is None


def test_three_d_secure_asks_for_action_then_a_webhook_authorises(client, paying):
    order = paying.order(("MUG", 1))
    started = start(client, paying, order.id)
    response = client.post(
        paying.shop_path(order.id, f"/{started['id']}/confirm"),
        json={"payment_method": "pm_card_authenticationRequired"},
        headers={"X-Order-Token": paying.token(order.id)},
    )
    assert response.status_code == 200
    assert response.json()["state"] == "requires_action"
    assert response.json()["next_action"]["type"] == "redirect_to_url"
    paying.stripe.complete_action(started["provider_reference"])
    (event,) = paying.stripe.events_of(
        "payment_intent.amount_capturable_updated", started["provider_reference"]
    )
    assert (
        paying.stripe.send(
            client, event, path="/api/v1/public/payments/webhooks/stripe"
        ).status_code
        == 200
    )
    assert paying.payment(started["id"]).state == "authorised"


def test_canceling_an_authorised_payment_releases_it_at_stripe(client, paying):
    order = paying.order(("MUG", 1))
    payment = authorised(client, paying, order.id)
    response = client.post(paying.staff_path(payment["id"], "/cancel"), headers=paying.headers)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "canceled"
    assert paying.stripe.payment_intents[payment["provider_reference"]]["status"] == "canceled"
    refused = capture(client, paying, payment["id"], "late")
    assert refused.status_code == 409
    assert refused.json()["code"] == "payment_action_not_allowed"


def test_a_paid_order_cannot_start_another_payment(client, paying):
    order = paying.order(("MUG", 1))
    payment = authorised(client, paying, order.id)
    assert capture(client, paying, payment["id"], "all").status_code == 201
    paying.wait_order(order.id, state="paid")
    response = client.post(
        paying.shop_path(order.id),
        json={"provider": "bank_transfer"},
        headers={"X-Order-Token": paying.token(order.id)},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "order_not_payable"


def test_a_shopper_without_the_orders_token_sees_no_payment(client, paying):
    order = paying.order(("MUG", 1))
    response = client.post(
        paying.shop_path(order.id), json={"provider": "stripe"}, headers={"X-Order-Token": "ord_x"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    assert client.get(paying.shop_path(order.id)).status_code == 404
