"""Fixtures for the credits tests: real tenants (tenancy) with the module switched on, and
units of work acting for them, as a request or task would."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, set_tenant
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.events import Event
from orion.modules.credits import services

Work = Callable[[TenantContext], AbstractContextManager[Session]]


def enable_credits(runtime: Runtime, tenant: TenantContext) -> None:
    assert tenant.platform_id is not None
    with runtime.database.unit_of_work() as session:
        runtime.modules.enable(
            session, "credits", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
        )


@pytest.fixture
def tenant(runtime: Runtime, make_tenant) -> TenantContext:  # type: ignore[no-untyped-def]
    """A tenant with the credits module switched on and no credits yet."""
    made = make_tenant(f"Credits {uuid.uuid4().hex[:6]}")
    enable_credits(runtime, made)
    return made


@pytest.fixture
def work(runtime: Runtime) -> Work:
    """`with work(tenant) as session:` one unit of work acting for the tenant."""

    @contextmanager
    def unit(tenant: TenantContext) -> Iterator[Session]:
        with runtime.database.unit_of_work() as session:
            set_tenant(session, tenant)
            yield session

    return unit


@pytest.fixture
def funded(tenant: TenantContext, work: Work) -> Callable[[int], TenantContext]:
    """The tenant with `amount` credits granted."""

    def fund(amount: int) -> TenantContext:
        with work(tenant) as session:
            services.add(session, tenant, amount=amount, reason="test funds", idempotency_key=key())
        return tenant

    return fund


HEARD: list[Event] = []


def hear(_session: Session, event: Event) -> None:
    HEARD.append(event)


@pytest.fixture
def heard(runtime: Runtime) -> Iterator[list[Event]]:
    """Subscribe a recorder to both balance events, as a module's transaction handler
    would be."""
    path = f"{__name__}:hear"
    subscriptions = runtime.events.in_transaction
    for name in ("credits.balance_low", "credits.depleted"):
        subscriptions[name].append((path, "credits"))
    HEARD.clear()
    yield HEARD
    for name in ("credits.balance_low", "credits.depleted"):
        subscriptions[name].remove((path, "credits"))


def key() -> str:
    return f"test-{uuid.uuid4()}"


def balance(work: Work, tenant: TenantContext) -> int:
    with work(tenant) as session:
        return services.get_balance(session, tenant)


def ledger_is_exact(work: Work, tenant: TenantContext) -> bool:
    """The ledger check has exactly one row for the tenant, and it balances (a missing row
    is a failure, not a vacuous pass)."""
    with work(tenant) as session:
        checks = [c for c in services.verify(session) if c.tenant_id == tenant.tenant_id]
    return len(checks) == 1 and checks[0].ok
