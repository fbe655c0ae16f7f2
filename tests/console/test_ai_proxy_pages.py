"""The AI gateway's console pages: the tenant's usage with its chart, totals and calls; the
operators' catalogue and a tenant's rate limits, with field errors next to the fields."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, set_tenant
from orion.kernel.web.console.shell import environment
from orion.modules.ai_proxy.models import AiModel, AiTenantLimits, AiUsage
from tests.console.conftest import errors_in, switch_module


def a_tenant_using_the_gateway(runtime, make_tenant) -> TenantContext:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    switch_module(runtime, tenant, "ai_proxy", on=True)
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        for model, cost, status in (
            ("chat-a", 23, "ok"),
            ("chat-a", 0, "failed"),
            ("embed", 2, "ok"),
        ):
            session.add(
                AiUsage(
                    tenant_id=tenant.tenant_id,
                    principal="token:x",
                    endpoint="chat.completions",
                    model=model,
                    served_by=model if status == "ok" else None,
                    input_tokens=3,
                    output_tokens=10 if status == "ok" else 0,
                    cost=cost,
                    latency_ms=12,
                    status=status,
                    error="chat-a: failure on demand (500)" if status == "failed" else None,
                    created_at=utcnow(),
                )
            )
    return tenant


def test_a_tenant_admin_sees_spending_by_day_and_model_and_each_call(
    browser, runtime, make_tenant, make_member
):
    tenant = a_tenant_using_the_gateway(runtime, make_tenant)
    user, password = make_member(tenant, "tenant_admin")
    browser.sign_in(user.email, password)

    assert "/console/ai_proxy/" in browser.menu()
    page = browser.get("/console/ai_proxy/")

    assert page.status_code == 200
    html = page.text
    assert 'id="spent">25<' in html and 'id="calls-count">3<' in html
    assert 'id="usage-chart"' in html and '"label": "chat-a"' in html
    assert "failure on demand (500)" in html
    assert 'id="base-url">https://testserver/v1<' in html
    failed = browser.get("/console/ai_proxy/?status=failed").text
    assert failed.count("<tr><td>") - failed.count('id="models"') >= 1
    assert "embed" not in failed.split('id="calls"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize("chart_installed", [True, False], ids=["chart.js", "no-npm"])
def test_the_days_figures_are_a_chart_with_chart_js_and_a_table_without(
    browser, runtime, make_tenant, make_member, monkeypatch, chart_installed
):
    # npm is optional: whether node_modules holds Chart.js decides which one the page shows.
    monkeypatch.setitem(environment(runtime).globals["vendor"], "chart.umd.js", chart_installed)
    tenant = a_tenant_using_the_gateway(runtime, make_tenant)
    user, password = make_member(tenant, "tenant_admin")
    browser.sign_in(user.email, password)

    html = browser.get("/console/ai_proxy/").text

    today = utcnow().date().isoformat()
    table = html.split('id="usage-by-day"', 1)[1].split("</table>", 1)[0]
    assert f"<tr><td>{today}</td>" in table  # chat-a 23, embed 2 today
    assert ("chart.umd.js" in html) is chart_installed
    assert table.startswith(" hidden") is chart_installed


def test_a_plain_user_may_call_the_gateway_but_not_read_the_usage(
    browser, runtime, make_tenant, make_member
):
    tenant = a_tenant_using_the_gateway(runtime, make_tenant)
    user, password = make_member(tenant, "user")
    browser.sign_in(user.email, password)

    assert "/console/ai_proxy/" not in browser.menu()
    assert browser.get("/console/ai_proxy/").status_code == 403


def test_an_operator_offers_a_model_and_is_told_what_is_wrong_first(browser, runtime, make_user):
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    name = f"m-{uuid.uuid4().hex[:6]}"
    browser.get("/console/platform/ai_proxy/")

    bad = browser.post(
        "/console/platform/ai_proxy/models",
        {"name": name, "kind": "chat", "provider": "openai", "input_price": "-5"},
    )
    unknown = browser.post(
        "/console/platform/ai_proxy/models",
        {
            "name": name,
            "kind": "chat",
            "provider": "openai",
            "input_price": "5",
            "fallbacks": "ghost",
        },
    )
    assert bad.status_code == 422 and "input_price" in errors_in(bad.text)
    assert unknown.status_code == 422 and "ghost" in errors_in(unknown.text)["fallbacks"]
    with runtime.database.unit_of_work() as session:
        assert session.scalar(select(AiModel).where(AiModel.name == name)) is None

    made = browser.post(
        "/console/platform/ai_proxy/models",
        {
            "name": name,
            "kind": "chat",
            "provider": "openai",
            "input_price": "150000",
            "output_price": "600000",
            "max_output_tokens": "4096",
            "is_active": "on",
        },
    )
    assert made.status_code == 303
    listing = browser.get(made.headers["location"]).text
    assert f"{name} is offered." in listing, listing[-3000:]
    assert "150\u202f000" in listing

    with runtime.database.unit_of_work() as session:
        model_id = session.scalar(select(AiModel.id).where(AiModel.name == name))
    page = f"/console/platform/ai_proxy/models/{model_id}"
    browser.get(page)
    saved = browser.post(
        page,
        {
            "upstream_model": "gpt-x-2",
            "input_price": "100",
            "output_price": "200",
            "max_output_tokens": "100",
            "fallbacks": "",
        },
    )
    assert saved.status_code == 303
    with runtime.database.unit_of_work() as session:
        model = session.get(AiModel, model_id)
        assert (model.upstream_model, model.input_price, model.is_active) == ("gpt-x-2", 100, False)
    assert browser.post(f"{page}/delete").status_code == 303
    assert browser.get(page).status_code == 404


def test_an_operator_sets_a_tenants_limits(browser, runtime, make_tenant, make_user):
    tenant = a_tenant_using_the_gateway(runtime, make_tenant)
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    page = f"/console/platform/ai_proxy/tenants/{tenant.tenant_id}/limits"
    browser.get(page)

    bad = browser.post(page, {"requests_per_minute": "-1"})
    saved = browser.post(page, {"requests_per_minute": "30", "tokens_per_minute": ""})

    assert bad.status_code == 422 and "requests_per_minute" in errors_in(bad.text)
    assert saved.status_code == 303
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        own = session.scalar(
            select(AiTenantLimits).where(AiTenantLimits.tenant_id == tenant.tenant_id)
        )
    assert (own.requests_per_minute, own.tokens_per_minute) == (30, None)
    assert 'value="30"' in browser.get(page).text
