"""The tenant's billing page as a merchant reads it: each plan's offer said once, the plan
they are on marked, usage as bars with figures, and a limit nobody counts here said in
words rather than as a dash."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orion.kernel.data.tenancy import TenantContext
from tests.console.conftest import Browser, switch_module
from tests.modules.billing.conftest import enable_billing

PAGE = "/console/billing/"
STARTER = {
    "code": "starter",
    "name": "Starter",
    "price_amount": 0,
    "limits": {"stores": 1, "products": 100, "orders_per_month": 100},
    "features": ["One store", "Community support"],
    "included_credits": 0,
    "is_default": True,
}
PRO = {
    "code": "pro",
    "name": "Pro",
    "price_amount": 2900,
    "limits": {"stores": 5, "products": 10_000, "orders_per_month": 5_000},
    "features": ["Five stores", "Priority support", "5,000 AI credits a month"],
    "included_credits": 5_000,
    "sort_order": 10,
}


@pytest.fixture
def merchant(
    app, runtime, make_platform, make_tenant, make_member, make_plan
) -> Iterator[Callable[..., tuple[Browser, TenantContext, dict[str, Any]]]]:
    """`merchant(*modules)`: a signed-in admin of a new tenant on a platform of its own
    offering Starter (the default) and Pro, with billing and `modules` on."""
    clients: list[TestClient] = []

    def make(*modules: str) -> tuple[Browser, TenantContext, dict[str, Any]]:
        platform = make_platform()
        plans = {
            "starter": make_plan(platform.id, **STARTER),
            "pro": make_plan(platform.id, **PRO),
        }
        tenant = make_tenant(platform_id=platform.id)
        enable_billing(runtime, tenant)
        for code in modules:
            switch_module(runtime, tenant, code, on=True)
        user, password = make_member(tenant, role="tenant_admin")
        client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        clients.append(client)
        browser = Browser(client)
        browser.sign_in(user.email, password)
        return browser, tenant, plans

    yield make
    for client in clients:
        client.close()


def card(html: str, code: str) -> str:
    return html.split(f'id="plan-{code}"', 1)[1].split("</article>", 1)[0]


def usage_of(html: str, limit: str) -> str:
    """A usage row's words: its limit and figures (or why there are none)."""
    row = html.split(f'id="usage-{limit}"', 1)[1].split('class="usage-head">', 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.split("</div>", 1)[0])).strip()


def test_each_plan_says_what_it_gives_once_in_words(merchant):
    browser, _, _ = merchant()

    html = browser.get(PAGE).text

    starter = card(html, "starter")
    assert re.findall(r"<li>([^<]+)</li>", starter) == [
        "1 store",
        "100 products",
        "100 orders a month",
        "Community support",
    ]
    pro = card(html, "pro")
    assert re.findall(r"<li>([^<]+)</li>", pro) == [
        "5 stores",
        "10\u202f000 products",
        "5\u202f000 orders a month",
        "5\u202f000 AI credits a month",
        "Priority support",
    ]
    assert "€29.00" in pro and "Free" in starter
    assert "1 stores" not in html and "One store" not in html


def test_the_plan_the_tenant_is_on_is_marked_and_cannot_be_chosen_again(merchant, stripe_api):
    browser, _, plans = merchant()

    before = browser.get(PAGE).text
    assert "Current plan" in card(before, "starter")  # the default plan, no subscription
    assert "Current plan" not in card(before, "pro")
    assert 'class="current"' in before.split('id="plan-starter"', 1)[0][-80:]
    assert browser.post(f"/console/billing/subscribe/{plans['pro'].id}").status_code == 303

    after = browser.get(PAGE).text
    pro = card(after, "pro")
    assert "Current plan" in pro and "Your current plan</button>" in pro and "disabled" in pro
    assert "/subscribe/" not in pro
    assert "Current plan" not in card(after, "starter")
    assert f"/console/billing/subscribe/{plans['starter'].id}" in card(after, "starter")


def test_usage_shows_bars_with_figures_where_something_counts_it(merchant, make_store):
    browser, tenant, _ = merchant("orders")
    make_store(tenant)

    html = browser.get(PAGE).text

    assert usage_of(html, "stores") == "Stores 1 of 1"
    assert '<progress value="1" max="1"' in html
    assert usage_of(html, "orders_per_month") == "Orders a month 0 of 100"
    assert '<progress value="0" max="100"' in html
    # Catalog checks the product limit as products are added; billing holds no figure.
    assert usage_of(html, "products") == "Products up to 100 (checked as you add them)"
    assert "\u2013" not in html.split('id="usage"', 1)[1].split("</article>", 1)[0]


def test_a_limit_whose_module_is_off_says_so(merchant):
    browser, _, _ = merchant()

    html = browser.get(PAGE).text

    assert usage_of(html, "orders_per_month") == "Orders a month not used yet"
    assert usage_of(html, "products") == "Products not used yet"
    assert usage_of(html, "stores") == "Stores 0 of 1"
