"""The billing console pages as a tenant admin uses them: when Stripe refuses or is down,
the page says why and nothing of the attempt is kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.kernel.data.tenancy import TenantContext
from orion.modules.billing.models import Proration, UserSubscription
from tests.console.conftest import Browser
from tests.modules.billing.conftest import enable_billing, stored

PAGE = "/console/billing/"


@pytest.fixture
def admin(app, runtime, make_tenant, make_member) -> Iterator[tuple[Browser, TenantContext]]:  # type: ignore[no-untyped-def]
    """A tenant admin signed in to the console of a tenant with billing on."""
    tenant = make_tenant()
    enable_billing(runtime, tenant)
    user, password = make_member(tenant, role="tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser, tenant


def subscriptions(runtime, tenant) -> list[UserSubscription]:  # type: ignore[no-untyped-def]
    return stored(runtime, UserSubscription, UserSubscription.tenant_id == tenant.tenant_id)


def customers_of(stripe_api, tenant: TenantContext) -> list[dict]:  # type: ignore[no-untyped-def]
    """The tenant's customers at Stripe."""
    tenant_id = str(tenant.tenant_id)
    return [c for c in stripe_api.customers.values() if c["metadata"].get("tenant_id") == tenant_id]


def test_a_subscribe_stripe_declines_shows_why_and_stores_no_subscription(
    admin, runtime, make_plan, stripe_api
):
    browser, tenant = admin
    plan = make_plan()
    browser.get(PAGE)
    stripe_api.refuse["/v1/subscriptions"] = 402  # the customer is made, the card declined

    declined = browser.post(f"/console/billing/subscribe/{plan.id}")

    assert declined.status_code == 502
    assert "Stripe refused to create a subscription: Your card was declined." in declined.text
    assert subscriptions(runtime, tenant) == []

    stripe_api.refuse["/v1/subscriptions"] = 503
    unavailable = browser.post(f"/console/billing/subscribe/{plan.id}")

    assert unavailable.status_code == 503
    assert "Stripe failed to create a subscription (503); try again" in unavailable.text
    assert subscriptions(runtime, tenant) == []
    assert "Status <strong>" not in browser.get(PAGE).text  # no subscription shown either

    stripe_api.refuse.clear()
    accepted = browser.post(f"/console/billing/subscribe/{plan.id}")

    assert accepted.status_code == 303
    [subscription] = subscriptions(runtime, tenant)
    assert subscription.status == "active" and subscription.stripe_subscription_id
    # The customer made before the refusals is the one the subscription uses.
    [customer] = customers_of(stripe_api, tenant)
    assert subscription.stripe_customer_id == customer["id"]


def test_subscribing_again_when_stripe_declines_leaves_the_ended_subscription_as_it_was(
    admin, runtime, make_plan, stripe_api
):
    browser, tenant = admin
    plan = make_plan()
    browser.get(PAGE)
    assert browser.post(f"/console/billing/subscribe/{plan.id}").status_code == 303
    assert browser.post("/console/billing/cancel", {"at_period_end": "false"}).status_code == 303
    [ended] = subscriptions(runtime, tenant)
    assert ended.status == "canceled"
    stripe_api.refuse["/v1/subscriptions"] = 402

    declined = browser.post(f"/console/billing/subscribe/{plan.id}")

    assert declined.status_code == 502
    assert "Your card was declined." in declined.text
    [after] = subscriptions(runtime, tenant)
    assert after.status == "canceled"
    assert after.stripe_subscription_id == ended.stripe_subscription_id
    assert (after.ended_at, after.current_period_start) == (
        ended.ended_at,
        ended.current_period_start,
    )


def test_a_plan_change_stripe_declines_keeps_the_plan_and_its_period(
    admin, runtime, make_plan, stripe_api
):
    browser, tenant = admin
    monthly = make_plan(name="Monthly", price_amount=1000)
    yearly = make_plan(name="Yearly", price_amount=10000, interval="year")
    browser.get(PAGE)
    assert browser.post(f"/console/billing/subscribe/{monthly.id}").status_code == 303
    [before] = subscriptions(runtime, tenant)
    stripe_api.refuse["/v1/subscriptions"] = 402

    declined = browser.post(f"/console/billing/subscribe/{yearly.id}")

    assert declined.status_code == 502
    assert "Stripe refused to change the subscription&#39;s plan" in declined.text
    [after] = subscriptions(runtime, tenant)
    assert after.plan_id == monthly.id
    assert (after.current_period_start, after.current_period_end) == (
        before.current_period_start,
        before.current_period_end,
    )
    assert stored(runtime, Proration, Proration.tenant_id == tenant.tenant_id) == []
