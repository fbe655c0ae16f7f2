"""A tenant's subscription through the API: subscribe, change plan with proration, cancel."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import set_tenant
from orion.modules.billing.models import Proration, UserSubscription
from orion.modules.billing.periods import prorate
from orion.modules.credits import services as credits
from tests.modules.billing.conftest import API, stored


def balance(runtime, tenant) -> int:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return credits.get_balance(session, tenant)


def test_a_tenant_sees_the_active_plans_of_its_platform(client, member, make_plan):
    admin = member()
    offered = make_plan(name="Offered")
    retired = make_plan(name="Retired", is_active=False)
    listed = client.get(f"{API}/plans", headers=admin.headers, params={"limit": 500})
    assert listed.status_code == 200
    ids = {plan["id"] for plan in listed.json()["data"]}
    assert str(offered.id) in ids and str(retired.id) not in ids


@pytest.mark.usefixtures("without_stripe")
def test_subscribing_starts_a_trial_and_grants_the_included_credits(
    client, runtime, member, make_plan
):
    admin = member()
    plan = make_plan(trial_days=14, included_credits=250)
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "trialing"
    assert body["user_id"] == str(admin.user_id)
    assert body["trial_end"] == body["current_period_end"]
    assert balance(runtime, admin.tenant) == 250

    again = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_subscribed"
    assert balance(runtime, admin.tenant) == 250
    mine = client.get(f"{API}/subscription", headers=admin.headers).json()
    assert mine["id"] == body["id"]


def test_an_unknown_plan_is_a_problem_and_writes_nothing(client, runtime, member):
    admin = member()
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(uuid.uuid4())}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "plan_unavailable"
    assert response.json()["errors"][0]["field"] == "plan_id"
    assert (
        stored(runtime, UserSubscription, UserSubscription.tenant_id == admin.tenant.tenant_id)
        == []
    )
    bad = client.post(f"{API}/subscription", headers=admin.headers, json={"plan_id": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


def test_another_platforms_plan_is_not_offered(client, runtime, member, make_plan):
    from orion.modules.tenancy import services as tenancy
    from orion.modules.tenancy.schemas import PlatformCreate

    with runtime.database.unit_of_work() as session:
        other = tenancy.create_platform(
            session, data=PlatformCreate(code=f"p{uuid.uuid4().hex[:8]}", name="Other")
        )
    foreign = make_plan(platform_id=other.id)
    admin = member()
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(foreign.id)}
    )
    assert response.status_code == 422 and response.json()["code"] == "plan_unavailable"


def test_a_member_without_billing_permissions_is_refused(client, member, make_plan):
    user = member(role="user")
    plan = make_plan()
    response = client.post(
        f"{API}/subscription", headers=user.headers, json={"plan_id": str(plan.id)}
    )
    assert response.status_code == 403


def test_billing_routes_answer_a_clear_problem_when_the_module_is_off(client, member):
    admin = member(billing=False)
    response = client.get(f"{API}/subscription", headers=admin.headers)
    assert response.status_code == 403 and response.json()["code"] == "module_not_enabled"


def test_subscribing_through_stripe_creates_the_customer_and_subscription_there(
    client, runtime, member, make_plan, stripe_api
):
    admin = member()
    plan = make_plan(trial_days=7)
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["stripe_customer_id"].startswith("cus_")
    assert body["stripe_subscription_id"].startswith("sub_")
    assert body["status"] == "trialing"
    remote = stripe_api.subscriptions[body["stripe_subscription_id"]]
    assert remote["metadata"]["tenant_id"] == str(admin.tenant.tenant_id)
    assert remote["items"]["data"][0]["price"]["id"] == plan.stripe_price_id
    created = [
        p
        for p in stripe_api.calls("POST", "/v1/subscriptions")
        if p.get("customer") == body["stripe_customer_id"]
    ]
    assert created[0]["trial_period_days"] == "7"


def test_stripe_refusing_leaves_nothing_half_written(
    client, runtime, member, make_plan, stripe_api
):
    admin = member()
    plan = make_plan()
    stripe_api.fail_with = 400
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert response.status_code == 502 and response.json()["code"] == "stripe_refused"
    stripe_api.fail_with = 503
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert response.status_code == 503 and response.json()["code"] == "stripe_unavailable"
    assert (
        stored(runtime, UserSubscription, UserSubscription.tenant_id == admin.tenant.tenant_id)
        == []
    )


def test_an_upgrade_mid_period_charges_the_prorated_difference(
    client, runtime, member, make_plan, stripe_api
):
    admin = member()
    basic = make_plan(name="Basic", price_amount=1000)
    pro = make_plan(name="Pro", price_amount=3000)
    subscribed = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(basic.id)}
    ).json()
    changed = client.patch(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(pro.id)}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["subscription"]["plan_id"] == str(pro.id)
    proration = body["proration"]
    assert proration["currency"] == "EUR"
    # Almost the whole period is left: close to the full difference, never above it.
    assert 1990 <= proration["amount"] <= 2000
    remote = stripe_api.subscriptions[subscribed["stripe_subscription_id"]]
    assert remote["items"]["data"][0]["price"]["id"] == pro.stripe_price_id

    down = client.patch(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(basic.id)}
    )
    assert down.status_code == 200
    # Each leg rounds in the customer's favour: at most one minor unit more back.
    assert -2001 <= down.json()["proration"]["amount"] <= -1990
    rows = stored(runtime, Proration, Proration.tenant_id == admin.tenant.tenant_id)
    assert len(rows) == 2

    same = client.patch(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(basic.id)}
    )
    assert same.status_code == 409


def test_proration_is_integer_and_rounded_in_the_customers_favour():
    start = utcnow()
    end = start + timedelta(days=30)
    halfway = start + timedelta(days=15)
    assert prorate(old_price=1000, new_price=3000, start=start, end=end, now=halfway) == 1000
    # A third of the period left: 333.33 credited as 334, 666.66 charged as 666.
    third = start + timedelta(days=20)
    assert prorate(old_price=1000, new_price=2000, start=start, end=end, now=third) == 666 - 334
    assert prorate(old_price=999, new_price=0, start=start, end=end, now=end) == 0


@pytest.mark.usefixtures("without_stripe")
def test_a_downgrade_below_current_use_is_refused_naming_the_limit(client, member, make_plan):
    admin = member()
    big = make_plan(limits={"stores": 5})
    small = make_plan(limits={"stores": 1})
    client.post(f"{API}/subscription", headers=admin.headers, json={"plan_id": str(big.id)})
    for code in ("one", "two"):
        created = client.post(
            "/api/v1/tenancy/stores", headers=admin.headers, json={"name": code, "code": code}
        )
        assert created.status_code == 201, created.text
    refused = client.patch(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(small.id)}
    )
    assert refused.status_code == 409
    assert refused.json()["limit"] == "stores" and refused.json()["maximum"] == 1


@pytest.mark.usefixtures("without_stripe")
def test_plans_in_another_currency_cannot_replace_the_subscription(client, member, make_plan):
    admin = member()
    euro = make_plan(currency="EUR")
    dollar = make_plan(currency="usd")
    assert dollar.currency == "USD"
    client.post(f"{API}/subscription", headers=admin.headers, json={"plan_id": str(euro.id)})
    refused = client.patch(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(dollar.id)}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "currency_mismatch"


def test_cancel_at_period_end_then_resume_then_cancel_now(client, member, make_plan, stripe_api):
    admin = member()
    plan = make_plan()
    subscribed = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    ).json()
    later = client.post(f"{API}/subscription/cancel", headers=admin.headers, json={})
    assert later.status_code == 200
    assert later.json()["status"] == "active" and later.json()["cancel_at_period_end"] is True
    assert stripe_api.subscriptions[subscribed["stripe_subscription_id"]]["cancel_at_period_end"]

    resumed = client.post(f"{API}/subscription/resume", headers=admin.headers)
    assert resumed.status_code == 200 and resumed.json()["cancel_at_period_end"] is False

    now = client.post(
        f"{API}/subscription/cancel", headers=admin.headers, json={"at_period_end": False}
    )
    assert now.status_code == 200
    assert now.json()["status"] == "canceled" and now.json()["ended_at"] is not None
    assert stripe_api.subscriptions[subscribed["stripe_subscription_id"]]["status"] == "canceled"
    again = client.post(f"{API}/subscription/cancel", headers=admin.headers, json={})
    assert again.status_code == 409


@pytest.mark.usefixtures("without_stripe")
def test_subscribing_again_after_cancelling_gives_no_second_trial(
    client, runtime, member, make_plan
):
    admin = member()
    plan = make_plan(trial_days=14, included_credits=0)
    client.post(f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)})
    client.post(f"{API}/subscription/cancel", headers=admin.headers, json={"at_period_end": False})
    again = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert again.status_code == 201 and again.json()["status"] == "active"


def test_checkout_and_payment_method_sessions_come_from_stripe(
    client, member, make_plan, stripe_api
):
    admin = member()
    plan = make_plan(trial_days=3)
    checkout = client.post(f"{API}/checkout", headers=admin.headers, json={"plan_id": str(plan.id)})
    assert checkout.status_code == 200, checkout.text
    assert checkout.json()["url"].startswith("https://checkout.stripe.test/")
    sent = stripe_api.sessions[checkout.json()["id"]]["params"]
    assert sent["mode"] == "subscription"
    assert sent["subscription_data"]["metadata"]["tenant_id"] == str(admin.tenant.tenant_id)
    assert sent["line_items"][0]["price"] == plan.stripe_price_id

    no_subscription = client.post(f"{API}/payment-method", headers=admin.headers, json={})
    assert no_subscription.status_code == 404
    client.post(f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)})
    setup = client.post(f"{API}/payment-method", headers=admin.headers, json={})
    assert setup.status_code == 200 and setup.json()["mode"] == "setup"


@pytest.mark.usefixtures("worker")
def test_deleting_a_tenant_cancels_its_stripe_subscription_and_drops_its_billing_rows(
    client, runtime, member, make_plan, stripe_api
):
    from orion.modules.tenancy import services as tenancy
    from tests.helpers import wait_for

    admin = member()
    body = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(make_plan().id)}
    ).json()
    with runtime.database.unit_of_work() as session:
        tenancy.delete_tenant(session, admin.tenant.tenant_id)
    mine = UserSubscription.tenant_id == admin.tenant.tenant_id
    assert wait_for(lambda: stored(runtime, UserSubscription, mine) == [])
    assert stripe_api.subscriptions[body["stripe_subscription_id"]]["status"] == "canceled"


def test_a_stripe_subscription_awaiting_its_first_payment_is_not_active(
    client, member, make_plan, stripe_api
):
    admin = member()
    plan = make_plan()
    stripe_api.new_status = "incomplete"
    try:
        response = client.post(
            f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
        )
    finally:
        stripe_api.new_status = "active"
    assert response.status_code == 201
    assert response.json()["status"] == "past_due"


def test_two_subscribe_requests_at_once_make_one_subscription_here_and_at_stripe(
    client, member, make_plan, stripe_api
):
    import threading

    admin = member()
    plan = make_plan()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def subscribe() -> None:
        barrier.wait()
        response = client.post(
            f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=subscribe) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 409]
    at_stripe = [
        s
        for s in list(stripe_api.subscriptions.values())
        if s["metadata"].get("tenant_id") == str(admin.tenant.tenant_id)
    ]
    assert len(at_stripe) == 1


def test_the_webhook_endpoint_without_a_signing_secret_refuses_everything(
    client, runtime, monkeypatch
):
    from tests.modules.billing.conftest import WEBHOOK
    from tests.servers import stripe_server

    monkeypatch.setitem(runtime.settings.modules, "billing", {})
    payload = b'{"id": "evt_1"}'
    response = client.post(
        WEBHOOK, content=payload, headers={"Stripe-Signature": stripe_server.signature(payload)}
    )
    assert response.status_code == 503 and response.json()["code"] == "stripe_not_configured"


@pytest.mark.usefixtures("without_stripe")
def test_moving_to_a_yearly_plan_credits_the_month_left_and_starts_a_year(
    client, runtime, member, make_plan
):
    admin = member()
    monthly = make_plan(price_amount=1000, included_credits=0)
    yearly = make_plan(price_amount=10000, interval="year", included_credits=0)
    client.post(f"{API}/subscription", headers=admin.headers, json={"plan_id": str(monthly.id)})
    changed = client.patch(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(yearly.id)}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert 9000 <= body["proration"]["amount"] <= 9001  # the full year less the unused month
    start = datetime.fromisoformat(body["subscription"]["current_period_start"])
    end = datetime.fromisoformat(body["subscription"]["current_period_end"])
    assert 365 <= (end - start).days <= 366
