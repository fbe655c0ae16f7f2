"""Stripe webhooks: signed on the raw body, stored once, processed once, never backwards."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest

from orion.modules.billing import webhooks
from orion.modules.billing.models import StripeEvent, UserSubscription
from tests.helpers import wait_for
from tests.modules.billing.conftest import API, WEBHOOK, stored
from tests.servers import stripe_server

pytestmark = pytest.mark.usefixtures("worker")


def deliver(client, event: dict, *, secret: str = stripe_server.WEBHOOK_SECRET, timestamp=None):  # type: ignore[no-untyped-def]
    payload = json.dumps(event).encode()
    return client.post(
        WEBHOOK,
        content=payload,
        headers={
            "Stripe-Signature": stripe_server.signature(payload, secret, timestamp),
            "Content-Type": "application/json",
        },
    )


def event_row(runtime, event_id: str) -> StripeEvent | None:  # type: ignore[no-untyped-def]
    rows = stored(runtime, StripeEvent, StripeEvent.stripe_event_id == event_id)
    return rows[0] if rows else None


def processed(runtime, event_id: str) -> bool:  # type: ignore[no-untyped-def]
    row = event_row(runtime, event_id)
    return row is not None and row.state in ("processed", "ignored", "failed")


def subscription_of(runtime, tenant) -> UserSubscription:  # type: ignore[no-untyped-def]
    return stored(runtime, UserSubscription, UserSubscription.tenant_id == tenant.tenant_id)[0]


@pytest.fixture
def stripe_subscriber(client, member, make_plan, stripe_api):  # type: ignore[no-untyped-def]
    """A tenant subscribed through Stripe (active), and its Stripe subscription."""
    admin = member()
    plan = make_plan()
    body = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    ).json()
    return admin, stripe_api.subscriptions[body["stripe_subscription_id"]]


def test_a_payload_not_signed_with_the_endpoint_secret_is_refused(client, runtime):
    event = stripe_server.event("customer.subscription.updated", {"id": "sub_x"})
    forged = deliver(client, event, secret="whsec_someone_else")
    assert forged.status_code == 400
    assert forged.json()["code"] == "webhook_signature_invalid"
    unsigned = client.post(WEBHOOK, content=json.dumps(event).encode())
    assert unsigned.status_code == 400
    stale = deliver(client, event, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 400
    # Signed over other bytes than the ones sent: one space added after signing.
    payload = json.dumps(event).encode()
    header = stripe_server.signature(payload)
    tampered = client.post(WEBHOOK, content=payload + b" ", headers={"Stripe-Signature": header})
    assert tampered.status_code == 400
    assert event_row(runtime, event["id"]) is None


def test_a_signed_payload_that_is_not_an_event_is_malformed(client, runtime):
    for payload in (b"not json", json.dumps({"id": "evt_1", "type": "x"}).encode()):
        response = client.post(
            WEBHOOK, content=payload, headers={"Stripe-Signature": stripe_server.signature(payload)}
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "webhook_malformed"


def test_an_event_delivered_twice_is_stored_and_processed_once(client, runtime, stripe_subscriber):
    admin, remote = stripe_subscriber
    remote = {**remote, "status": "past_due"}
    event = stripe_server.event("customer.subscription.updated", remote)
    first = deliver(client, event)
    assert first.status_code == 200 and first.json()["duplicate"] is False
    second = deliver(client, event)
    assert second.status_code == 200 and second.json()["duplicate"] is True
    assert wait_for(lambda: processed(runtime, event["id"]))
    time.sleep(0.3)  # a second processing task, if one were sent, would have run by now
    row = event_row(runtime, event["id"])
    assert row is not None and row.state == "processed" and row.attempts == 1
    assert row.tenant_id == admin.tenant.tenant_id
    assert subscription_of(runtime, admin.tenant).status == "past_due"


def test_the_same_event_delivered_at_the_same_moment_is_processed_once(
    client, runtime, stripe_subscriber
):
    admin, remote = stripe_subscriber
    event = stripe_server.event(
        "invoice.payment_failed", {"id": "in_1", "object": "invoice", "subscription": remote["id"]}
    )
    barrier = threading.Barrier(6)
    answers: list[int] = []
    duplicates: list[bool] = []

    def post() -> None:
        barrier.wait()
        response = deliver(client, event)
        answers.append(response.status_code)
        duplicates.append(response.json().get("duplicate"))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200] * 6
    assert duplicates.count(False) == 1
    assert len(stored(runtime, StripeEvent, StripeEvent.stripe_event_id == event["id"])) == 1
    assert wait_for(lambda: processed(runtime, event["id"]))
    assert event_row(runtime, event["id"]).attempts == 1  # type: ignore[union-attr]
    assert subscription_of(runtime, admin.tenant).status == "past_due"


def test_processing_the_same_event_at_once_in_two_workers_applies_it_once(
    client, runtime, stripe_subscriber
):
    _, remote = stripe_subscriber
    event = stripe_server.event(
        "invoice.payment_failed", {"id": "in_2", "object": "invoice", "subscription": remote["id"]}
    )
    assert deliver(client, event).status_code == 200
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def work() -> None:
        barrier.wait()
        with runtime.database.unit_of_work() as session:
            outcomes.append(webhooks.process(session, event["id"]))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert wait_for(lambda: processed(runtime, event["id"]))
    row = event_row(runtime, event["id"])
    assert row is not None and row.attempts == 1 and row.state == "processed"
    # The worker's own task and the three above: exactly one of them claimed it.
    assert outcomes.count("processed") <= 1


def test_an_older_event_arriving_late_never_overwrites_a_newer_state(
    client, runtime, stripe_subscriber
):
    admin, remote = stripe_subscriber
    now = int(time.time()) + 10
    newer = stripe_server.event(
        "customer.subscription.updated",
        {**remote, "status": "active", "cancel_at_period_end": True},
        created=now,
    )
    older = stripe_server.event(
        "customer.subscription.updated", {**remote, "status": "past_due"}, created=now - 5
    )
    deliver(client, newer)
    assert wait_for(lambda: processed(runtime, newer["id"]))
    deliver(client, older)
    assert wait_for(lambda: processed(runtime, older["id"]))
    assert event_row(runtime, older["id"]).state == "ignored"  # type: ignore[union-attr]
    subscription = subscription_of(runtime, admin.tenant)
    assert subscription.status == "active" and subscription.cancel_at_period_end is True


@pytest.mark.parametrize(
    "checkout_first", [True, False, None], ids=["checkout-first", "subscription-first", "racing"]
)
def test_a_subscription_made_in_checkout_arrives_by_webhook(
    client, runtime, member, make_plan, stripe_api, checkout_first
):
    admin = member()
    plan = make_plan(included_credits=0)
    now = int(time.time())
    remote = {
        "id": f"sub_{uuid.uuid4().hex[:12]}",
        "object": "subscription",
        "customer": f"cus_{uuid.uuid4().hex[:12]}",
        "status": "active",
        "metadata": {
            "tenant_id": str(admin.tenant.tenant_id),
            "plan_id": str(plan.id),
            "user_id": str(admin.user_id),
        },
        "cancel_at_period_end": False,
        "items": {
            "data": [
                {
                    "id": "si_1",
                    "price": {"id": plan.stripe_price_id},
                    "current_period_start": now,
                    "current_period_end": now + 86400 * 30,
                }
            ]
        },
    }
    completed = stripe_server.event(
        "checkout.session.completed",
        {
            "id": "cs_1",
            "object": "checkout.session",
            "mode": "subscription",
            "customer": remote["customer"],
            "subscription": remote["id"],
            "client_reference_id": str(admin.tenant.tenant_id),
            "metadata": remote["metadata"],
        },
    )
    created = stripe_server.event("customer.subscription.created", remote)
    for event in (completed, created) if checkout_first is not False else (created, completed):
        deliver(client, event)
        if checkout_first is not None:  # one after the other, in this order
            assert wait_for(lambda event=event: processed(runtime, event["id"]))
    assert wait_for(lambda: processed(runtime, created["id"]))
    assert wait_for(lambda: processed(runtime, completed["id"]))
    assert event_row(runtime, completed["id"]).state == "processed"  # type: ignore[union-attr]
    assert wait_for(
        lambda: processed(runtime, created["id"]) and processed(runtime, completed["id"])
    )
    mine = client.get(f"{API}/subscription", headers=admin.headers).json()
    assert mine["status"] == "active" and mine["plan_id"] == str(plan.id)
    assert mine["stripe_subscription_id"] == remote["id"]
    assert mine["user_id"] == str(admin.user_id)
    assert mine["has_payment_method"] is True


def test_events_billing_does_not_use_are_stored_and_ignored(client, runtime):
    event = stripe_server.event("charge.refunded", {"id": "ch_1", "object": "charge"})
    assert deliver(client, event).status_code == 200
    assert wait_for(lambda: processed(runtime, event["id"]))
    assert event_row(runtime, event["id"]).state == "ignored"  # type: ignore[union-attr]


def stored_event(runtime, event: dict) -> None:  # type: ignore[no-untyped-def]
    """The event as the endpoint stores it, without sending its processing task (the test
    runs it)."""
    from orion.kernel.data.db import utcnow

    with runtime.database.unit_of_work() as session:
        session.add(
            StripeEvent(
                stripe_event_id=event["id"],
                type=event["type"],
                created=event["created"],
                livemode=False,
                payload=event,
                state="received",
                attempts=0,
                received_at=utcnow(),
            )
        )


def process_at_once(runtime, *events: dict) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Process the events at the same moment, each in its own thread and unit of work (two
    workers); their outcomes by event id."""
    barrier = threading.Barrier(len(events))
    outcomes: dict[str, str] = {}

    def work(event: dict) -> None:
        barrier.wait()
        with runtime.database.unit_of_work() as session:
            outcomes[event["id"]] = webhooks.process(session, event["id"])

    threads = [threading.Thread(target=work, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_an_older_and_a_newer_event_processed_at_once_always_leave_the_newer_state(
    runtime, stripe_subscriber
):
    admin, remote = stripe_subscriber
    base = int(time.time()) + 60
    for round_ in range(25):
        created = base + 10 * round_
        scheduled = round_ % 2 == 0  # each round's newest state differs from the last one's
        newer = stripe_server.event(
            "customer.subscription.updated",
            {**remote, "status": "active", "cancel_at_period_end": scheduled},
            created=created,
        )
        if round_ % 4 < 2:
            older = stripe_server.event(
                "customer.subscription.updated",
                {**remote, "status": "past_due", "cancel_at_period_end": not scheduled},
                created=created - 3,
            )
        else:
            older = stripe_server.event(
                "invoice.payment_failed",
                {"id": f"in_{round_}", "object": "invoice", "subscription": remote["id"]},
                created=created - 3,
            )
        stored_event(runtime, newer)
        stored_event(runtime, older)

        outcomes = process_at_once(runtime, older, newer)

        # Whichever went first, the newer one is applied and the older one never after it.
        assert outcomes[newer["id"]] == "processed", (round_, outcomes)
        assert outcomes[older["id"]] in ("processed", "ignored"), (round_, outcomes)
        subscription = subscription_of(runtime, admin.tenant)
        state = (subscription.status, subscription.cancel_at_period_end)
        assert state == ("active", scheduled), (round_, outcomes)
        assert subscription.stripe_event_created == created
