"""Stripe down, slow or saying no: a clear 503 or 502, nothing half-written; a capture whose
answer never came stays pending (it may have happened) and is settled once, with its key."""

from __future__ import annotations

from orion.modules.payments import services
from tests.modules.payments.conftest import authorised, capture, start


def test_stripe_answering_500_to_a_capture_is_a_503_and_the_retry_captures_once(client, paying):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    paying.stripe.fail_with = 500
    response = capture(client, paying, payment["id"], "outage", 2000)
    assert response.status_code == 503
    assert response.json()["code"] == "payment_provider_unavailable"
    assert "same Idempotency-Key" in response.json()["detail"]
    stored = paying.payment(payment["id"])
    assert (stored.captured_amount, stored.state) == (0, "authorised")
    assert [(op.state, op.amount) for op in paying.operations(payment["id"])] == [("pending", 2000)]
    assert paying.order_now(order.id).paid_total == 0

    paying.stripe.fail_with = None
    retried = capture(client, paying, payment["id"], "outage", 2000)
    assert retried.status_code == 201, retried.text
    assert [(op.state, op.amount) for op in paying.operations(payment["id"])] == [
        ("succeeded", 2000)
    ]
    paying.wait_order(order.id, paid_total=2000)


def test_a_pending_capture_counts_as_taken_until_it_is_settled(client, paying):
    order = paying.order(("BOOK", 2))  # 6400
    payment = authorised(client, paying, order.id)
    paying.stripe.fail_with = 503
    assert capture(client, paying, payment["id"], "unknown", 5000).status_code == 503
    paying.stripe.fail_with = None
    other = capture(client, paying, payment["id"], "other", 2000)
    assert other.status_code == 422 and other.json()["available"] == 1400


def test_a_capture_stripe_did_but_never_answered_is_settled_once_by_the_task(
    client, paying, runtime
):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    paying.stripe.delay["/v1/payment_intents"] = 4  # beyond the 3 s timeout
    response = capture(client, paying, payment["id"], "slow", 6400)
    assert response.status_code == 503
    paying.stripe.delay.clear()
    intent = paying.stripe.payment_intents[payment["provider_reference"]]
    import time

    deadline = time.monotonic() + 5
    while intent["amount_received"] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)  # Stripe finishes the capture after the client gave up
    assert intent["amount_received"] == 6400
    assert paying.payment(payment["id"]).captured_amount == 0

    counts = services.settle_pending(runtime, older_than_minutes=0)
    assert counts["settled"] >= 1
    assert services.settle_pending(runtime, older_than_minutes=0)["settled"] == 0
    stored = paying.payment(payment["id"])
    assert (stored.captured_amount, stored.state) == (6400, "captured")
    assert len(paying.stripe.calls("POST", f"/v1/payment_intents/{intent['id']}/capture")) == 2
    paying.wait_order(order.id, paid_total=6400, state="paid")


def test_stripe_refusing_a_capture_is_a_502_and_leaves_nothing(client, paying):
    order = paying.order(("BOOK", 1))
    payment = authorised(client, paying, order.id)
    paying.stripe.refuse["/v1/payment_intents"] = 400
    response = capture(client, paying, payment["id"], "refused")
    assert response.status_code == 502
    assert response.json()["code"] == "payment_provider_refused"
    assert paying.operations(payment["id"]) == []
    assert paying.payment(payment["id"]).state == "authorised"


def test_starting_a_card_payment_while_stripe_is_down_answers_503_and_a_retry_starts_it(
    client, paying
):
    order = paying.order(("MUG", 1))
    paying.stripe.fail_with = 500
    response = client.post(
        paying.shop_path(order.id),
        json={"provider": "stripe"},
        headers={"X-Order-Token": paying.token(order.id)},
    )
    assert response.status_code == 503
    paying.stripe.fail_with = None
    started = start(client, paying, order.id)
    assert started["client_secret"]
    assert len(paying.stripe.payment_intents) >= 1
    # The retry asked Stripe with the first attempt's key: one PaymentIntent for the order.
    mine = [
        i for i in paying.stripe.payment_intents.values()
        if i["metadata"].get("orion_order_id") == str(order.id)
    ]  # fmt: skip
    assert len(mine) == 1
