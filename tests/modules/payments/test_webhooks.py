"""Stripe's webhooks: the signature checked with the store's secret, each event stored and
applied once, and amounts that converge whatever order the events arrive in."""

from __future__ import annotations

import json
import threading

import pytest

from tests.modules.payments.conftest import WEBHOOK, authorised, capture
from tests.servers import stripe_server


def _dashboard_capture_and_refund(paying, reference: str, captured: int, refunded: int) -> None:  # type: ignore[no-untyped-def]
    """What staff do in Stripe's dashboard: a capture and a refund Orion did not ask for."""
    fake = paying.stripe
    with fake.lock:
        fake._capture(fake.payment_intents[reference], {"amount_to_capture": str(captured)})
        charge = fake.payment_intents[reference]["latest_charge"]
        fake._create_refund({"charge": charge, "amount": str(refunded)})


def test_a_forged_or_unsigned_event_is_refused(client, paying):
    order = paying.order(("MUG", 1))
    payment = authorised(client, paying, order.id)
    (event,) = paying.stripe.events_of(
        "payment_intent.amount_capturable_updated", payment["provider_reference"]
    )
    forged = paying.stripe.send(client, event, path=WEBHOOK, secret="whsec_someone_else")
    assert forged.status_code == 400
    assert forged.json()["code"] == "webhook_signature_invalid"
    unsigned = client.post(WEBHOOK, content=json.dumps(event).encode())
    assert unsigned.status_code == 400
    stale = paying.stripe.send(client, event, path=WEBHOOK, timestamp=1_600_000_000)
    assert stale.status_code == 400
    assert paying.events() == []
    assert client.post(WEBHOOK, content=b"not json").json()["code"] == "webhook_malformed"


def test_an_event_about_no_payment_of_ours_is_answered_and_not_stored(client, paying):
    event = stripe_server.event(
        "payment_intent.succeeded", {"id": "pi_unknown", "object": "payment_intent"}
    )
    response = paying.stripe.send(client, event, path=WEBHOOK)
    assert response.status_code == 200 and response.json()["received"] is False
    assert paying.events() == []


def test_a_duplicated_event_has_one_effect(client, paying):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    _dashboard_capture_and_refund(paying, payment["provider_reference"], 6400, 1000)
    (refunded,) = paying.stripe.events_of("charge.refunded", payment["provider_reference"])
    answers = [paying.stripe.send(client, refunded, path=WEBHOOK).json() for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    stored = paying.payment(payment["id"])
    assert (stored.captured_amount, stored.refunded_amount) == (6400, 1000)
    assert [(op.kind, op.amount, op.source) for op in paying.operations(payment["id"])] == [
        ("capture", 6400, "provider"),
        ("refund", 1000, "provider"),
    ]
    assert len(paying.events()) == 1
    paying.wait_order(order.id, state="partially_refunded", refunded_total=1000)
    assert [n.amount for n in paying.credit_notes(order.id)] == [1000]


def test_the_same_event_delivered_twice_at_once_is_applied_once(client, paying):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    _dashboard_capture_and_refund(paying, payment["provider_reference"], 6400, 2000)
    (refunded,) = paying.stripe.events_of("charge.refunded", payment["provider_reference"])
    barrier, answers = threading.Barrier(2), []

    def deliver() -> None:
        barrier.wait()
        answers.append(paying.stripe.send(client, refunded, path=WEBHOOK).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    assert paying.payment(payment["id"]).refunded_amount == 2000
    assert len(paying.operations(payment["id"])) == 2


@pytest.mark.parametrize("order_of_events", ["refund_first", "capture_first"])
def test_events_out_of_order_converge_on_the_amounts(client, paying, order_of_events):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    reference = payment["provider_reference"]
    _dashboard_capture_and_refund(paying, reference, 6400, 2500)
    (succeeded,) = paying.stripe.events_of("payment_intent.succeeded", reference)
    (refunded,) = paying.stripe.events_of("charge.refunded", reference)
    (authorised_event,) = paying.stripe.events_of(
        "payment_intent.amount_capturable_updated", reference
    )
    events = [refunded, succeeded] if order_of_events == "refund_first" else [succeeded, refunded]
    for event in [*events, authorised_event]:  # the oldest last: it changes nothing
        assert paying.stripe.send(client, event, path=WEBHOOK).status_code == 200
    stored = paying.payment(payment["id"])
    assert (stored.captured_amount, stored.refunded_amount, stored.capturable_amount) == (
        6400,
        2500,
        0,
    )
    assert stored.state == "partially_refunded"
    paying.wait_order(order.id, paid_total=6400, refunded_total=2500)


def test_a_webhook_for_a_capture_whose_answer_was_lost_completes_it_once(client, paying):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    paying.stripe.delay["/v1/payment_intents"] = 4
    assert capture(client, paying, payment["id"], "lost", 3000).status_code == 503
    paying.stripe.delay.clear()
    reference = payment["provider_reference"]
    import time

    deadline = time.monotonic() + 5
    while not paying.stripe.events_of("charge.captured", reference) and time.monotonic() < deadline:
        time.sleep(0.1)
    (captured,) = paying.stripe.events_of("charge.captured", reference)
    assert paying.stripe.send(client, captured, path=WEBHOOK).status_code == 200
    (operation,) = paying.operations(payment["id"])
    assert (operation.state, operation.idempotency_key, operation.amount) == (
        "succeeded",
        "lost",
        3000,
    )
    # The retried request finds it done.
    again = capture(client, paying, payment["id"], "lost", 3000)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert paying.payment(payment["id"]).captured_amount == 3000
