"""The demo tells one story: what the demo tenants' credit history spends is the AI
gateway's demo calls, recorded as calls are, so the AI usage page shows the calls, tokens
and credits that the history and the balance add up to."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from orion.kernel.data.paging import Page
from orion.modules.ai_proxy.models import AiUsage
from orion.modules.auth import services as auth
from orion.modules.tenancy.services.demo import DEMO_PASSWORD
from tests.console.conftest import Browser
from tests.helpers import platform_session

SEEDED_IN_ORDER = ("tenancy", "credits", "api_keys", "ai_proxy")  # as `orion demo` runs them


@pytest.fixture(scope="module")
def demo(runtime) -> None:  # type: ignore[no-untyped-def]
    """The demo's hooks, each twice (a second `orion demo` adds nothing)."""
    for _ in range(2):
        with runtime.database.unit_of_work() as session:
            for code in runtime.registry.codes:
                if code in SEEDED_IN_ORDER:
                    hook = runtime.registry.hook(code, "on_install")
                    if hook is not None:
                        hook(session, runtime)


@pytest.fixture
def acme(app, runtime, demo) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    """Acme's demo admin, signed in, with credits and the AI gateway on."""
    from orion.kernel.runtime.activation import ModuleScope
    from orion.modules.tenancy.services import demo_tenants

    with runtime.database.unit_of_work() as session:
        acme, _ = demo_tenants(session)
        for code in ("credits", "ai_proxy"):
            runtime.modules.enable(
                session, code, scope=ModuleScope(acme.platform_id, acme.tenant_id)
            )
        assert auth.get_user_by_email(session, "admin@acme.test") is not None
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in("admin@acme.test", DEMO_PASSWORD)
        yield browser


def test_the_demo_credits_history_is_the_demo_ai_usage(runtime, demo):
    from orion.modules.credits import services as credits
    from orion.modules.tenancy.services import demo_tenants

    with platform_session(runtime) as session:
        tenants = demo_tenants(session)
        assert len(tenants) == 2
        for tenant in tenants:
            calls, cost, tokens = session.execute(
                select(
                    func.count(),
                    func.sum(AiUsage.cost),
                    func.sum(AiUsage.input_tokens + AiUsage.output_tokens),
                ).where(AiUsage.tenant_id == tenant.tenant_id)
            ).one()
            assert calls == 3 and cost > 0 and tokens > 0
            history, _ = credits.list_transactions(session, tenant, page=Page(limit=100))
            spent = -sum(t.amount for t in history if t.kind in ("hold", "settle", "release"))
            assert spent == cost
            assert [t.reason for t in history if t.amount > 0 and not t.hold_id] == [
                "welcome credits"
            ]
            assert credits.get_balance(session, tenant) == 10_000 - cost
            assert not any("first AI usage" in (t.reason or "") for t in history)


def figure(html: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">([^<]+)<', html)
    assert found, element_id
    return int(found.group(1).replace("\u202f", ""))


def test_the_ai_usage_page_shows_what_the_credits_page_spent(acme):
    usage = acme.get("/console/ai_proxy/").text
    credits_page = acme.get("/console/credits/").text

    assert figure(usage, "calls-count") == 3
    spent = figure(usage, "spent")
    assert spent > 0
    assert figure(credits_page, "balance") == 10_000 - spent
    assert "claude-haiku-4-5" in usage and "platform key" in usage
    assert "AI call: claude-haiku-4-5" in credits_page
