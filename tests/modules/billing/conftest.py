"""Fixtures for the billing tests: a Stripe-compatible server on loopback, the module's
settings pointing the real SDK at it, tenants with billing on, plans and signed-in members.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.models import TaskRun
from tests.helpers import wait_for
from tests.modules.tenancy.support import signed_in
from tests.servers import stripe_server
from tests.servers.stripe_server import FakeStripe

API = "/api/v1/billing"
ADMIN = "/api/v1/admin/billing"
WEBHOOK = "/api/v1/public/billing/stripe/webhook"


@pytest.fixture(scope="session")
def stripe_fake() -> Iterator[FakeStripe]:
    server, fake = stripe_server.start()
    yield fake
    server.shutdown()


@pytest.fixture
def stripe_api(stripe_fake: FakeStripe) -> Iterator[FakeStripe]:
    stripe_fake.fail_with = None
    stripe_fake.refuse.clear()
    yield stripe_fake
    stripe_fake.fail_with = None
    stripe_fake.refuse.clear()


@pytest.fixture(autouse=True)
def billing_settings(runtime: Runtime, stripe_fake: FakeStripe, monkeypatch) -> dict[str, Any]:
    """Stripe configured (the loopback server) for every billing test; a test that wants
    billing without Stripe drops the key."""
    values: dict[str, Any] = {
        "stripe_api_key": stripe_server.API_KEY,
        "stripe_webhook_secret": stripe_server.WEBHOOK_SECRET,
        "stripe_api_base": stripe_fake.url,
        "stripe_max_retries": 0,
        "stripe_timeout_seconds": 5,
    }
    monkeypatch.setitem(runtime.settings.modules, "billing", values)
    return values


@pytest.fixture
def without_stripe(runtime: Runtime, billing_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(runtime.settings.modules, "billing", {"stripe_webhook_secret": "whsec_x"})


@pytest.fixture(scope="session")
def operator(runtime: Runtime) -> dict[str, str]:
    from orion.modules.auth import services as auth

    with runtime.database.unit_of_work() as session:
        user = auth.create_user(
            session,
            email=f"billing-operator-{uuid.uuid4().hex[:8]}@example.com",
            password="Operator-Pass-1",
            is_superadmin=True,
        )
    return signed_in(runtime, user.id)


@dataclass
class Member:
    tenant: TenantContext
    user_id: uuid.UUID
    headers: dict[str, str]


def enable_billing(runtime: Runtime, tenant: TenantContext) -> None:
    assert tenant.platform_id is not None
    with runtime.database.unit_of_work() as session:
        runtime.modules.enable(
            session, "billing", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
        )


@pytest.fixture
def member(runtime, make_tenant, make_member) -> Callable[..., Member]:  # type: ignore[no-untyped-def]
    """`member(tenant=None, role="tenant_admin", billing=True)`: a signed-in member of a
    new tenant (on the default platform) with billing on."""

    def make(
        tenant: TenantContext | None = None, role: str = "tenant_admin", billing: bool = True
    ) -> Member:
        tenant = tenant or make_tenant()
        if billing:
            enable_billing(runtime, tenant)
        user, _ = make_member(tenant, role=role)
        return Member(tenant, user.id, signed_in(runtime, user.id, tenant.tenant_id))

    return make


@pytest.fixture
def make_plan(runtime: Runtime):  # type: ignore[no-untyped-def]
    """A plan on a platform of its own (each test its own, so default plans never clash)
    unless `platform_id` is given; returns its public form."""
    from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
    from orion.modules.billing import services
    from orion.modules.billing.schemas import SubscriptionPlanCreate, SubscriptionPlanPublic

    def make(platform_id: uuid.UUID = DEFAULT_PLATFORM_ID, **fields: Any) -> SubscriptionPlanPublic:
        values: dict[str, Any] = {
            "code": f"plan-{uuid.uuid4().hex[:8]}",
            "name": "Pro",
            "price_amount": 3000,
            "currency": "EUR",
            "interval": "month",
            "trial_days": 0,
            "limits": {"stores": 3, "orders_per_month": 100},
            "included_credits": 500,
            "stripe_price_id": f"price_{uuid.uuid4().hex[:10]}",
        }
        values.update(fields)
        with runtime.database.unit_of_work() as session:
            plan = services.create_plan(session, platform_id, data=SubscriptionPlanCreate(**values))
            return SubscriptionPlanPublic.model_validate(plan)

    return make


def stored(runtime: Runtime, model: Any, *where: Any) -> list[Any]:
    with runtime.database.unit_of_work() as session, all_tenants(session):
        return list(session.scalars(select(model).where(*where)))


def run_task(runtime: Runtime, name: str, **kwargs: Any) -> None:
    """Send a task to the embedded worker and wait until it has run."""
    assert runtime.celery is not None
    result = runtime.celery.send_task(name, kwargs=kwargs)

    def finished() -> bool:
        runs = stored(runtime, TaskRun, TaskRun.task_id == result.id)
        return bool(runs) and runs[-1].state in ("succeeded", "failed", "skipped")

    assert wait_for(finished), f"{name} did not run"
    runs = stored(runtime, TaskRun, TaskRun.task_id == result.id)
    assert runs[-1].state == "succeeded", runs[-1].error


def run_twice(runtime: Runtime, name: str) -> None:
    """Send the task twice at once (the embedded worker runs two at a time), wait for both,
    then once more: what it does must be done once."""
    assert runtime.celery is not None
    results = [runtime.celery.send_task(name) for _ in range(2)]

    def finished() -> bool:
        runs = stored(runtime, TaskRun, TaskRun.task_id.in_([r.id for r in results]))
        return len(runs) == 2 and all(r.state in ("succeeded", "failed") for r in runs)

    assert wait_for(finished), f"{name} did not run"
    runs = stored(runtime, TaskRun, TaskRun.task_id.in_([r.id for r in results]))
    assert [r.state for r in runs] == ["succeeded", "succeeded"], [r.error for r in runs]
    run_task(runtime, name)


def change(runtime: Runtime, model: Any, *where: Any, **values: Any) -> None:
    """Set up a row as time would have left it (a period ended, a trial over)."""
    from sqlalchemy import update

    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.execute(update(model).where(*where).values(**values))
