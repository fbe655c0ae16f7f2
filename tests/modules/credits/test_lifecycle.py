"""Demo credits, and a deleted tenant's ledger going with it."""

from __future__ import annotations

from sqlalchemy import func, select

from orion.kernel.data.paging import Page
from orion.modules.credits import services
from orion.modules.credits.models import CreditAccount, CreditTransaction
from orion.modules.tenancy import services as tenancy
from tests.helpers import platform_session, wait_for
from tests.modules.credits.conftest import key


def test_demo_tenants_get_welcome_credits_once(runtime, work):
    for _ in range(2):
        with runtime.database.unit_of_work() as session:
            tenancy.seed_demo(session, runtime)
            services.seed_demo(session, runtime)

    with runtime.database.unit_of_work() as session:
        demo = tenancy.demo_tenants(session)
    assert len(demo) == 2
    for tenant in demo:
        with work(tenant) as session:
            rows, _ = services.list_transactions(session, tenant, page=Page())
            grants = [row for row in rows if row.reason == "welcome credits"]
            assert len(grants) == 1 and grants[0].amount == 10_000
            # What else the history holds is what the demo's AI calls spent (ai_proxy).
            spent = sum(row.amount for row in rows if row is not grants[0])
            assert services.get_balance(session, tenant) == 10_000 + spent


def test_a_deleted_tenants_credits_are_deleted(runtime, worker, work, funded):
    tenant = funded(500)
    with work(tenant) as session:
        services.hold(session, tenant, amount=100, idempotency_key=key())

    with runtime.database.unit_of_work() as session:
        tenancy.delete_tenant(session, tenant.tenant_id)

    def rows() -> int:
        with platform_session(runtime) as session:
            return sum(
                session.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(model.tenant_id == tenant.tenant_id)
                )
                or 0
                for model in (CreditAccount, CreditTransaction)
            )

    assert wait_for(lambda: rows() == 0)
