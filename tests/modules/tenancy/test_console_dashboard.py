# ruff: noqa: F811  (the `browser` fixture is imported, then named as an argument)
"""A tenant's home page is a dashboard: what to do first, then cards from tenancy and from
every module on for the tenant that provides them (credits, AI gateway, billing), with
small charts shown as tables when Chart.js is not installed."""

from __future__ import annotations

import html
import re
import uuid

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.billing import services as billing
from orion.modules.billing.schemas import (
    SubscriptionPlanCreate,
    SubscriptionStatus,
    UserSubscriptionCreate,
)
from orion.modules.billing.services.state import set_status
from orion.modules.credits import services as credits
from orion.modules.tenancy import services
from orion.modules.tenancy.schemas import StoreCreate, TenantInvitationCreate
from tests.console.conftest import browser, switch_module  # noqa: F401
from tests.helpers import unique_email


def section(page: str, name: str) -> str:
    """The words of one section of the page (`todo`, `glance`), as a person reads them."""
    part = page.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", part)))


def cards(page: str) -> dict[str, str]:
    """Title -> what the card says."""
    found = re.findall(
        r'<article class="dashboard-card[^"]*" data-title="([^"]+)">(.*?)</article>', page, re.S
    )
    return {
        html.unescape(title): re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))
        for title, body in found
    }


def signed_in_admin(browser, make_member, tenant: TenantContext):  # type: ignore[no-untyped-def]
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    return admin


def test_a_new_tenant_is_told_what_to_do_first(browser, make_tenant, make_member):
    tenant = make_tenant("Day One")
    signed_in_admin(browser, make_member, tenant)

    page = browser.get("/console/").text

    todo = section(page, "todo")
    assert "Create your first store" in todo and "Invite your team" in todo
    assert 'href="/console/tenancy/stores">Take care of it' in page
    assert "Team" in cards(page) and "Stores" not in cards(page)
    assert "Credit balance" not in cards(page)  # credits is off for it: no credits card


def test_stores_team_and_waiting_invitations_are_counted(
    browser, runtime, make_tenant, make_member
):
    tenant = make_tenant("Busy Shop")
    admin = signed_in_admin(browser, make_member, tenant)
    with runtime.database.unit_of_work() as session:
        for code in ("north", "south"):
            services.create_store(session, tenant, data=StoreCreate(name=code.title(), code=code))
        services.create_invitation(
            session,
            tenant,
            data=TenantInvitationCreate(email=unique_email("new"), role="staff"),
            invited_by=admin.id,
        )

    page = browser.get("/console/").text

    shown = cards(page)
    assert "2" in shown["Stores"] and "all active" in shown["Stores"]
    assert "1 admin" in shown["Team"]
    todo = section(page, "todo")
    assert "Invitations waiting: 1" in todo and "Create your first store" not in todo


def test_credits_show_the_balance_and_the_spending_by_day_and_warn_when_low(
    browser, runtime, make_tenant, make_member
):
    tenant = make_tenant("Credit Shop")
    switch_module(runtime, tenant, "credits", on=True)
    with runtime.database.unit_of_work() as session:
        credits.add(session, tenant, amount=1_000, reason="welcome", idempotency_key="w-1")
        credits.deduct(session, tenant, amount=930, idempotency_key="d-1", reason="usage")
        credits.update_settings(session, tenant, low_balance_threshold=100)
    signed_in_admin(browser, make_member, tenant)

    page = browser.get("/console/").text

    shown = cards(page)
    assert "70" in shown["Credit balance"]
    assert "930" in shown["Credits spent"] and "last 30 days" in shown["Credits spent"]
    assert re.search(r'<canvas id="chart-\d+"', page)  # a chart where Chart.js is installed
    figures = page.split('data-title="Credits spent"', 1)[1].split("</article>", 1)[0]
    assert len(re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td>", figures)) == 30  # and its figures
    assert "Credits are running low: 70 left" in section(page, "todo")


def test_a_module_switched_off_takes_its_cards_away(browser, runtime, make_tenant, make_member):
    tenant = make_tenant("Switching Shop")
    switch_module(runtime, tenant, "ai_proxy", on=True)
    signed_in_admin(browser, make_member, tenant)
    assert "AI calls" in cards(browser.get("/console/").text)

    switch_module(runtime, tenant, "ai_proxy", on=False)

    assert "AI calls" not in cards(browser.get("/console/").text)


def test_billing_shows_the_plan_usage_against_limits_and_a_payment_past_due(
    browser, runtime, make_platform, make_tenant, make_member
):
    platform = make_platform()
    tenant = make_tenant("Plan Shop", platform_id=platform.id)
    switch_module(runtime, tenant, "billing", on=True)
    with runtime.database.unit_of_work() as session:
        plan = billing.create_plan(
            session,
            platform.id,
            data=SubscriptionPlanCreate(
                code=f"starter-{uuid.uuid4().hex[:6]}",
                name="Starter",
                price_amount=900,
                limits={"stores": 1},
            ),
        )
        services.create_store(session, tenant, data=StoreCreate(name="Only", code="only"))
        subscription = billing.subscribe(
            session, tenant, user_id=None, data=UserSubscriptionCreate(plan_id=plan.id)
        )
        with acting_for(session, tenant):
            set_status(subscription, SubscriptionStatus.PAST_DUE)
            session.flush()
    signed_in_admin(browser, make_member, tenant)

    page = browser.get("/console/").text

    shown = cards(page)
    assert "Starter" in shown["Plan"] and "past due" in shown["Plan"]
    todo = section(page, "todo")
    assert "Payment past due" in todo
    assert "Store limit: 1 of 1" in todo  # the limit is reached: something to do
    assert todo.index("Payment past due") < todo.index("Invite your team")  # urgent first
