"""The credits module's part in the platform's life: demo data, a tenant deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.credits.models import CreditAccount, CreditHold, CreditTransaction
from orion.modules.credits.services.movements import add
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.events import TenantDeleted


def seed_demo(session: Session, runtime: Any) -> None:
    """`orion demo`: the demo tenants get welcome credits (once: the idempotency key makes
    a second run a no-op). What they spend is the AI gateway's demo calls (ai_proxy's
    demo, which runs after this one), so their history and their AI usage agree."""
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    for tenant in tenants:
        _seed_tenant(session, tenant)


def _seed_tenant(session: Session, tenant: TenantContext) -> None:
    add(
        session,
        tenant,
        amount=10_000,
        reason="welcome credits",
        idempotency_key="demo:welcome",
    )


def on_tenant_deleted(session: Session, event: TenantDeleted) -> None:
    """tenancy.tenant_deleted: the tenant's account, ledger and holds go with it."""
    with acting_for(session, TenantContext(event.deleted_tenant_id)):
        for model in (CreditTransaction, CreditHold, CreditAccount):
            session.execute(delete(model))
