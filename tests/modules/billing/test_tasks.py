"""The scheduled tasks, run by the worker: each does its work once, however often it runs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import set_tenant
from orion.kernel.runtime.limits import consume_counter
from orion.modules.billing.models import StripeEvent, UsageCounter, UserSubscription
from orion.modules.billing.periods import month_start
from orion.modules.credits import services as credits
from tests.modules.billing.conftest import API, change, run_twice, stored
from tests.servers import stripe_server

pytestmark = pytest.mark.usefixtures("worker")


def balance(runtime, tenant) -> int:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return credits.get_balance(session, tenant)


def grants(runtime, tenant) -> int:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        rows, _ = credits.list_transactions(session, tenant, page=Page(limit=500))
        return sum(1 for row in rows if row.kind == "grant")


def subscription_of(runtime, tenant) -> UserSubscription:  # type: ignore[no-untyped-def]
    return stored(runtime, UserSubscription, UserSubscription.tenant_id == tenant.tenant_id)[0]


def subscribe(client, admin, plan) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert response.status_code == 201, response.text
    return response.json()


def count_orders(runtime, tenant, amount: int = 1) -> int | None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return consume_counter(session, tenant, "orders_per_month", amount=amount)


@pytest.mark.usefixtures("without_stripe")
def test_reset_period_counters_starts_last_months_counters_again_once(
    client, runtime, member, make_plan
):
    admin = member()
    subscribe(client, admin, make_plan(limits={"orders_per_month": 100}))
    assert count_orders(runtime, admin.tenant, 5) == 5
    last_month = month_start(month_start(utcnow()) - timedelta(days=1))
    mine = UsageCounter.tenant_id == admin.tenant.tenant_id
    change(runtime, UsageCounter, mine, period_start=last_month)

    run_twice(runtime, "billing.reset_period_counters")
    counter = stored(runtime, UsageCounter, mine)[0]
    assert counter.used == 0 and counter.period_start == month_start(utcnow())
    assert count_orders(runtime, admin.tenant, 2) == 2
    run_twice(runtime, "billing.reset_period_counters")
    assert stored(runtime, UsageCounter, mine)[0].used == 2  # this month's: kept


@pytest.mark.usefixtures("without_stripe")
def test_reset_period_counters_rolls_an_ended_period_and_grants_its_credits_once(
    client, runtime, member, make_plan
):
    admin = member()
    subscribe(client, admin, make_plan(included_credits=100))
    assert balance(runtime, admin.tenant) == 100
    now = utcnow()
    old_start = now - timedelta(days=40)
    mine = UserSubscription.tenant_id == admin.tenant.tenant_id
    change(
        runtime,
        UserSubscription,
        mine,
        current_period_start=old_start,
        current_period_end=now - timedelta(days=10),
        credits_granted_for=old_start,
    )
    run_twice(runtime, "billing.reset_period_counters")
    subscription = subscription_of(runtime, admin.tenant)
    assert subscription.current_period_start <= now < subscription.current_period_end
    assert subscription.current_period_start > old_start
    assert balance(runtime, admin.tenant) == 200
    assert grants(runtime, admin.tenant) == 2


@pytest.mark.usefixtures("without_stripe")
def test_reset_period_counters_ends_subscriptions_cancelled_at_period_end(
    client, runtime, member, make_plan
):
    admin = member()
    subscribe(client, admin, make_plan(included_credits=0))
    client.post(f"{API}/subscription/cancel", headers=admin.headers, json={})
    mine = UserSubscription.tenant_id == admin.tenant.tenant_id
    change(runtime, UserSubscription, mine, current_period_end=utcnow() - timedelta(hours=1))
    run_twice(runtime, "billing.reset_period_counters")
    subscription = subscription_of(runtime, admin.tenant)
    assert subscription.status == "canceled" and subscription.ended_at is not None


@pytest.mark.usefixtures("without_stripe")
def test_check_trial_expirations_converts_or_expires_each_trial_once(
    client, runtime, member, make_plan
):
    plan = make_plan(trial_days=14, included_credits=70)
    paying, leaving = member(), member()
    for admin in (paying, leaving):
        subscribe(client, admin, plan)
        assert balance(runtime, admin.tenant) == 70  # the trial's own credits
    # Credits are granted once per subscription and day a period starts: the trial began
    # today, so its paid period must start on another day to earn its own.
    ended = utcnow() - timedelta(hours=26)
    started = ended - timedelta(days=14)
    change(
        runtime,
        UserSubscription,
        UserSubscription.tenant_id.in_([paying.tenant.tenant_id, leaving.tenant.tenant_id]),
        current_period_start=started,
        credits_granted_for=started,
        trial_end=ended,
        current_period_end=ended,
    )
    change(
        runtime,
        UserSubscription,
        UserSubscription.tenant_id == paying.tenant.tenant_id,
        has_payment_method=True,
    )
    run_twice(runtime, "billing.check_trial_expirations")
    converted = subscription_of(runtime, paying.tenant)
    assert converted.status == "active"
    assert converted.current_period_start == ended
    assert balance(runtime, paying.tenant) == 140
    assert grants(runtime, paying.tenant) == 2
    expired = subscription_of(runtime, leaving.tenant)
    assert expired.status == "expired" and expired.ended_at == ended
    assert balance(runtime, leaving.tenant) == 70


def test_sync_stripe_status_applies_what_stripe_says_and_asks_once(
    client, runtime, member, make_plan, stripe_api
):
    admin = member()
    body = subscribe(client, admin, make_plan())
    remote_id = body["stripe_subscription_id"]
    stripe_api.set_status(remote_id, "past_due")  # a webhook that never came
    run_twice(runtime, "billing.sync_stripe_status")
    subscription = subscription_of(runtime, admin.tenant)
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    reads = [
        p for p in stripe_api.requests if p[0] == "GET" and p[1] == f"/v1/subscriptions/{remote_id}"
    ]
    assert len(reads) == 1


def test_cleanup_expires_subscriptions_past_due_too_long_and_cancels_them_once(
    client, runtime, member, make_plan, stripe_api
):
    admin = member()
    body = subscribe(client, admin, make_plan())
    remote_id = body["stripe_subscription_id"]
    change(
        runtime,
        UserSubscription,
        UserSubscription.tenant_id == admin.tenant.tenant_id,
        status="past_due",
        past_due_since=utcnow() - timedelta(days=15),
    )
    recent = member()
    subscribe(client, recent, make_plan())
    change(
        runtime,
        UserSubscription,
        UserSubscription.tenant_id == recent.tenant.tenant_id,
        status="past_due",
        past_due_since=utcnow() - timedelta(days=2),
    )
    old_event = stripe_server.event("charge.refunded", {"id": "ch_old"})
    with runtime.database.unit_of_work() as session:
        session.add(
            StripeEvent(
                stripe_event_id=old_event["id"],
                type=old_event["type"],
                created=old_event["created"],
                payload=old_event,
                state="processed",
                received_at=utcnow() - timedelta(days=120),
            )
        )
    run_twice(runtime, "billing.cleanup_stale_subscriptions")
    assert subscription_of(runtime, admin.tenant).status == "expired"
    assert subscription_of(runtime, recent.tenant).status == "past_due"
    cancels = [
        p
        for p in stripe_api.requests
        if p[0] == "DELETE" and p[1] == f"/v1/subscriptions/{remote_id}"
    ]
    assert len(cancels) == 1
    assert stripe_api.subscriptions[remote_id]["status"] == "canceled"
    assert stored(runtime, StripeEvent, StripeEvent.stripe_event_id == old_event["id"]) == []


def test_sync_stripe_status_sends_again_an_event_whose_processing_task_was_lost(
    client, runtime, member, make_plan, stripe_api
):
    from tests.helpers import wait_for

    admin = member()
    body = subscribe(client, admin, make_plan())
    lost = stripe_server.event(
        "invoice.payment_failed",
        {"id": "in_lost", "object": "invoice", "subscription": body["stripe_subscription_id"]},
    )
    with runtime.database.unit_of_work() as session:
        session.add(
            StripeEvent(
                stripe_event_id=lost["id"],
                type=lost["type"],
                # Newer than what the sync itself reads from Stripe in this run (dated by
                # Stripe's clock, to the second): else the event is rightly ignored as older.
                created=lost["created"] + 30,
                payload=lost,
                state="received",
                received_at=utcnow() - timedelta(minutes=10),
            )
        )
    run_twice(runtime, "billing.sync_stripe_status")

    def handled() -> bool:
        rows = stored(runtime, StripeEvent, StripeEvent.stripe_event_id == lost["id"])
        return rows[0].state == "processed"

    assert wait_for(handled)
    assert stored(runtime, StripeEvent, StripeEvent.stripe_event_id == lost["id"])[0].attempts == 1
    assert subscription_of(runtime, admin.tenant).status == "past_due"


def test_a_sync_dates_what_it_read_by_stripes_clock_not_ours(
    client, runtime, member, make_plan, stripe_api
):
    """Stripe's clock two minutes behind ours: an event Stripe sends just after the sync
    read is newer than the read, and is applied."""
    from tests.helpers import wait_for
    from tests.modules.billing.test_webhooks import deliver, processed

    admin = member()
    stripe_api.clock_offset = -120
    try:
        body = subscribe(client, admin, make_plan())
        run_twice(runtime, "billing.sync_stripe_status")
    finally:
        stripe_api.clock_offset = 0
    remote_id = body["stripe_subscription_id"]
    later = stripe_server.event(
        "customer.subscription.updated",
        {**stripe_api.set_status(remote_id, "past_due")},
        created=int(time.time()) - 110,
    )
    deliver(client, later)
    assert wait_for(lambda: processed(runtime, later["id"]))
    assert subscription_of(runtime, admin.tenant).status == "past_due"
