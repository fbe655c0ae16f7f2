"""Billing and credits in Chromium, as a newcomer meets them on `orion serve --demo`: a
plan priced "99.00" is 99 euros, the merchant's billing page marks the plan they are on,
and the operator grants credits by picking a tenant's name."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import shot, sign_in

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def test_a_plan_priced_99_00_is_shown_as_99_euros(new_page):
    page = new_page(width=1366)
    sign_in(page, "operator@orion.test")
    page.goto("/console/platform/billing/plans")
    code = f"growth-{uuid.uuid4().hex[:6]}"

    page.fill("#f-name", "Growth")
    page.fill("#f-code", code)
    page.fill("#f-price", "99.00")
    page.fill("#f-limits", "stores=3, widgets=3")
    page.click("#plan-form button[type=submit]")

    assert "widgets" in page.inner_text("#e-limits").lower()
    assert page.input_value("#f-price") == "99.00"  # kept as typed
    page.fill("#f-limits", "stores=3, products=10,000")
    page.click("#plan-form button[type=submit]")

    row = page.locator("#plans tr", has_text=code)
    assert "€99.00" in row.inner_text()
    shot(page, "billing-plans-99")
    row.locator("a").click()
    assert page.input_value("#f-price") == "99.00"
    assert page.input_value("#f-limits") == "stores=3, products=10000"


def test_the_merchants_billing_page_marks_their_plan(new_page):
    page = new_page(width=1366)
    sign_in(page, "admin@acme.test")
    page.goto("/console/billing/")

    current = page.locator("#plans article.current")
    assert current.count() == 1
    assert "Pro" in current.inner_text() and "Current plan" in current.inner_text()
    assert current.locator("button").is_disabled()
    other = page.locator("#plans article:not(.current)").first
    assert other.locator("button").is_enabled()
    bar = page.locator("#usage-stores progress")
    assert bar.bounding_box()["width"] > 100  # a bar, not a few pixels
    assert "1 of 5" in page.inner_text("#usage-stores")
    assert "1 stores" not in page.inner_text("#plans")
    shot(page, "billing-overview")


def test_the_operator_grants_credits_by_picking_a_tenant_by_name(new_page):
    page = new_page(width=1366)
    sign_in(page, "operator@orion.test")
    page.goto("/console/platform/credits/")

    assert "Acme Coffee" in page.inner_text("#ledgers")
    options = page.eval_on_selector_all(
        "#tenant-choices option", "options => options.map(o => o.value)"
    )
    assert {"Acme Coffee", "Bistro Lux"} <= set(options)
    assert page.get_attribute("#f-tenant", "list") == "tenant-choices"

    page.fill("#f-tenant", "Nobody Ltd")
    page.fill("#f-amount", "250")
    page.fill("#f-reason", "goodwill")
    page.click("#grant-form button[type=submit]")
    assert "No tenant is called" in page.inner_text("#e-tenant")

    page.fill("#f-tenant", "Bistro Lux")
    page.click("#grant-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert "250 credits granted to Bistro Lux." in page.inner_text(".flash")
    shot(page, "credits-ledgers")
