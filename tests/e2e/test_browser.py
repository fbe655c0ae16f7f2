"""The console in a real browser: Debian's Chromium driven by Playwright against
`orion serve --demo` started by a fixture. Screenshots of the main pages are saved under
test-artifacts/console/.

Skipped when Chromium or Playwright is missing on a developer's machine; CI installs both
(.ci/run), so there they run.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.conftest import menu_labels, shot, sign_in

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def test_an_operator_switches_a_module_and_the_tenant_menu_follows(new_page):
    operator, admin = new_page(), new_page()
    sign_in(operator, "operator@orion.test")
    shot(operator, "operator-tenants")
    sign_in(admin, "admin@acme.test")
    assert "Stock" in menu_labels(admin)

    operator.click("#menu >> text=Tenants")
    operator.click("#tenants >> text=Acme Coffee")
    operator.click("#module-inventory button")
    operator.wait_for_selector("text=inventory disabled for Acme Coffee.")
    shot(operator, "operator-tenant-modules")
    admin.reload()
    assert "Stock" not in menu_labels(admin)
    assert admin.goto("/console/inventory/").status == 404

    operator.click("#module-inventory button")
    operator.wait_for_selector("text=inventory enabled for Acme Coffee.")
    admin.goto("/console/")
    assert "Stock" in menu_labels(admin)
    admin.click("#menu >> text=Stock")
    shot(admin, "tenant-stock")

    operator.click("#menu >> text=AI models")
    operator.wait_for_selector("#catalogue >> text=gpt-4o-mini")
    shot(operator, "operator-ai-models")
    for label in ("Task runs", "Users", "Plans", "Credit ledgers", "Modules"):
        operator.click(f"#menu >> text={label}")
        operator.wait_for_selector("h1")
    shot(operator, "operator-modules")


def test_a_tenant_admin_invites_a_member_who_accepts(new_page):
    admin, invitee = new_page(), new_page()
    sign_in(admin, "admin@acme.test")
    shot(admin, "tenant-dashboard")
    admin.click("#menu >> text=Team")
    admin.fill("#f-email", "new.hire@acme.test")
    admin.select_option("#f-role", "staff")
    admin.click("#invite-form button[type=submit]")
    link = admin.inner_text("#invitation-link").strip()
    shot(admin, "tenant-team")

    invitee.goto(re.sub(r"^https?://[^/]+", "", link))
    invitee.fill("#f-full_name", "New Hire")
    invitee.fill("#f-password", "Welcome-aboard-42")
    invitee.click("#accept-form button[type=submit]")
    invitee.wait_for_selector("text=Welcome to Acme Coffee; sign in.")
    sign_in(invitee, "new.hire@acme.test", "Welcome-aboard-42")
    assert "Stores" in menu_labels(invitee) and "Team" not in menu_labels(invitee)

    admin.click("#menu >> text=Team")
    assert "new.hire@acme.test" in admin.inner_text("#members")


def test_a_tenant_admin_creates_an_access_token_shown_once(new_page, server):
    admin = new_page()
    sign_in(admin, "admin@bistro.test")
    admin.click("#menu >> text=API tokens")
    admin.click("summary")
    admin.fill("#f-name", "kitchen display")
    admin.check("input[name=scopes][value='tenancy.read']")
    admin.click("#token-form button[type=submit]")
    token = admin.inner_text("#token-value").strip()
    assert token.startswith("orn_")
    shot(admin, "tenant-tokens")

    stores = httpx.get(
        f"{server}/api/v1/tenancy/stores", headers={"Authorization": f"Bearer {token}"}
    )
    assert stores.status_code == 200 and stores.json()["count"] >= 1
    admin.reload()
    assert token not in admin.content()

    for label in ("Stores", "Credits", "Billing"):
        admin.click(f"#menu >> text={label}")
        admin.wait_for_selector("h1")
        shot(admin, f"tenant-{label.lower()}")
    admin.click("#menu >> text=AI usage")
    admin.wait_for_selector("#models >> text=gpt-4o-mini")
    assert admin.inner_text("#base-url").endswith("/v1")
    shot(admin, "tenant-ai-usage")
