"""A plan's included credits: granted once for each period of a live subscription."""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import runtime_of
from orion.modules.billing.models import UserSubscription
from orion.modules.billing.services.plans import get_plan
from orion.modules.billing.services.state import LIVE
from orion.modules.credits import services as credits


def grant_period_credits(session: Session, subscription: UserSubscription) -> bool:
    """Grant the plan's included credits for the subscription's current period, once.

    The row is claimed first (`credits_granted_for` moves to the period's start only if it
    was before it), and the credits ledger is idempotent by key besides, so a retried task
    or a webhook delivered twice grants nothing more. True when credits were granted now.
    The ledger key names the day the period starts: a period of the same subscription
    starting the same day as an earlier one (cancel and subscribe again) earns nothing more.
    """
    plan = get_plan(session, subscription.plan_id)
    period_start = subscription.current_period_start
    if plan.included_credits <= 0 or subscription.status not in LIVE:
        return False
    claimed = session.execute(
        update(UserSubscription)
        .where(
            UserSubscription.id == subscription.id,
            or_(
                UserSubscription.credits_granted_for.is_(None),
                UserSubscription.credits_granted_for < period_start,
            ),
        )
        .values(credits_granted_for=period_start)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return False
    subscription.credits_granted_for = period_start
    tenant = TenantContext(
        subscription.tenant_id,
        runtime_of(session).directory.platform_of(session, subscription.tenant_id),
    )
    credits.add(
        session,
        tenant,
        amount=plan.included_credits,
        kind="grant",
        reason=f"{plan.name} plan: credits included for the period from {period_start:%Y-%m-%d}",
        idempotency_key=f"billing:period-grant:{subscription.id}:{period_start:%Y%m%d}",
        reference=str(subscription.id),
    )
    return True
