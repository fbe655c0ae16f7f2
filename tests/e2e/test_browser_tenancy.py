"""First contact in a real browser (Chromium against `orion serve --demo`): a tenant's home
page is a dashboard with charts; an operator starts a tenant (invites its first admin, adds
its store, deactivates it after confirming) and follows the invitation mail in the outbox.
Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import menu_labels, shot, sign_in

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def test_the_tenant_home_page_is_a_dashboard_with_charts(new_page):
    admin = new_page()
    sign_in(admin, "admin@acme.test")

    admin.goto("/console/")

    admin.wait_for_selector("#cards")
    titles = admin.locator("#cards article").evaluate_all("els => els.map(e => e.dataset.title)")
    assert {"Stores", "Team", "Credit balance", "Credits spent", "Plan", "AI calls"} <= set(titles)
    assert admin.inner_text("h2 >> nth=0") == "To do"
    figures = admin.locator("[data-title='Credits spent'] details table tr")
    assert figures.count() == 30  # the figures, with or without a chart
    if admin.evaluate("() => typeof window.Chart !== 'undefined'"):  # Chart.js, from npm
        chart = admin.locator("[data-title='Credits spent'] canvas")
        chart.wait_for(state="visible")
        assert chart.bounding_box()["height"] > 20
    shot(admin, "tenant-dashboard-cards")


def test_an_operator_starts_a_tenant_and_follows_the_invitation_in_the_outbox(new_page):
    operator, invitee = new_page(), new_page()
    sign_in(operator, "operator@orion.test")
    name = f"Gamma Tea {uuid.uuid4().hex[:4]}"
    boss = f"boss-{uuid.uuid4().hex[:6]}@gamma.test"

    operator.click("#menu >> text=Tenants")
    operator.fill("#tenant-form #f-name", name)
    operator.click("#tenant-form button[type=submit]")
    operator.wait_for_selector(f"text=Tenant {name} created.")
    assert operator.is_visible("#no-members") and operator.is_visible("#no-stores")

    operator.fill("#invite-form #f-email", boss)
    assert operator.input_value("#invite-form #f-role") == "tenant_admin"
    operator.click("#invite-form button[type=submit]")
    outcome = operator.inner_text("#invitation-outcome")
    assert f"Invitation created for {boss}, but not mailed: no SMTP server is configured" in (
        outcome
    )
    link = operator.inner_text("#invitation-link").strip()
    shot(operator, "operator-tenant-invited")

    operator.fill("#store-form #f-name", "Gamma Tea House")
    operator.fill("#store-form #f-code", "house")
    operator.click("#store-form button[type=submit]")
    operator.wait_for_selector("text=Store Gamma Tea House added.")
    assert "Gamma Tea House" in operator.inner_text("#stores")

    operator.click("#menu >> text=Outbox")
    row = operator.locator("#outbox tr", has_text=boss)
    row.wait_for()
    assert "not sent" in row.inner_text()
    mailed = row.locator("a.mail-link").get_attribute("href")
    assert mailed == link
    shot(operator, "operator-outbox")

    invitee.goto(re.sub(r"^https?://[^/]+", "", mailed))
    summary = invitee.inner_text("#invitation-summary")
    assert f"invited {boss} to {name} as tenant admin" in summary
    shot(invitee, "invitation-accept")

    operator.click("#menu >> text=Tenants")
    operator.click(f"#tenants >> text={name}")
    operator.click("#deactivate")
    operator.wait_for_selector("#confirm-deactivation")
    assert "Nothing is deleted" in operator.inner_text("#confirm-deactivation")
    shot(operator, "operator-confirm-deactivation")
    operator.click("#confirm-deactivate")
    operator.wait_for_selector(f"text={name} is deactivated")
    assert "Deactivated" in operator.inner_text("#tenant-state")
    invitee.reload()
    assert f"{name} is not active" in invitee.inner_text("h1")

    operator.click("#reactivate")
    operator.wait_for_selector(f"text={name} is active again")
    assert "Outbox" in menu_labels(operator)
