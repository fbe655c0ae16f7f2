"""Usage against a plan's limits: the kernel's `usage_limits` extension point (what
`orion.kernel.runtime.limits.check_limit` and `consume_counter` ask) and the monthly
counters behind it."""

from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.orm import Session

from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError, ValidationFailed
from orion.modules.billing.exceptions import PlanLimitReached
from orion.modules.billing.models import SubscriptionPlan, UsageCounter
from orion.modules.billing.periods import month_start
from orion.modules.billing.repository import PlanRepository, UsageCounterRepository
from orion.modules.billing.schemas import (
    ORDERS_PER_MONTH,
    STORES,
    UsageLimitPublic,
    UsagePublic,
)
from orion.modules.billing.services.plans import get_plan
from orion.modules.billing.services.state import LIVE, find_subscription, platform_of
from orion.modules.tenancy import services as tenancy

# Counters kept per calendar month (UTC); reset by `reset_period_counters`.
MONTHLY_COUNTERS = (ORDERS_PER_MONTH,)


def plan_for(session: Session, tenant: TenantContext) -> SubscriptionPlan | None:
    """The plan whose limits apply: the live subscription's, else the platform's default
    plan, else none (nothing is limited)."""
    subscription = find_subscription(session, tenant)
    if subscription is not None and subscription.status in LIVE:
        return get_plan(session, subscription.plan_id)
    return PlanRepository(session).default_of(platform_of(tenant))


class UsageLimits:
    """The kernel's `usage_limits` extension point (see orion.kernel.runtime.limits)."""

    def check(
        self, session: Session, tenant: TenantContext, *, limit: str, current: int, adding: int = 1
    ) -> None:
        plan = plan_for(session, tenant)
        maximum = _maximum(plan, limit)
        if plan is not None and maximum is not None and current + adding > maximum:
            raise PlanLimitReached(limit=limit, current=current, maximum=maximum, plan=plan.name)

    def consume(
        self, session: Session, tenant: TenantContext, *, counter: str, amount: int = 1
    ) -> int:
        return count(session, tenant, counter=counter, amount=amount)


usage_limits = UsageLimits()


def _maximum(plan: SubscriptionPlan | None, limit: str) -> int | None:
    if plan is None:
        return None
    value = (plan.limits or {}).get(limit)
    return int(value) if value is not None else None


def count(session: Session, tenant: TenantContext, *, counter: str, amount: int = 1) -> int:
    """Add `amount` to this month's `counter`; refused (402, nothing counted) when it would
    pass the plan's limit. One conditional UPDATE, so concurrent callers never overshoot."""
    if amount <= 0:
        raise ValidationFailed(
            "amount must be positive", errors=[FieldError("amount", "must be greater than 0")]
        )
    this_month = month_start(utcnow())
    with acting_for(session, tenant):
        insert_or_ignore(
            session,
            UsageCounter,
            {
                "tenant_id": tenant.tenant_id,
                "counter": counter,
                "period_start": this_month,
                "used": 0,
            },
            unique=("tenant_id", "counter"),
        )
        plan = plan_for(session, tenant)
        maximum = _maximum(plan, counter)
        # A counter left from an earlier month starts again at zero (the daily reset may not
        # have run yet). The row's own columns only (the kernel adds its tenant): PostgreSQL
        # re-checks them after waiting for a concurrent writer's lock.
        used_after = case(
            (UsageCounter.period_start >= this_month, UsageCounter.used + amount), else_=amount
        )
        statement = (
            update(UsageCounter)
            .where(UsageCounter.counter == counter)
            .values(used=used_after, period_start=this_month)
            .returning(UsageCounter.used)
            .execution_options(synchronize_session=False)
        )
        if maximum is not None:
            statement = statement.where(used_after <= maximum)
        used = session.execute(statement).scalar()
        if used is None:
            current = counter_value(session, tenant, counter)
            assert plan is not None and maximum is not None
            raise PlanLimitReached(limit=counter, current=current, maximum=maximum, plan=plan.name)
    return int(used)


def counter_value(session: Session, tenant: TenantContext, counter: str) -> int:
    with acting_for(session, tenant):
        row = UsageCounterRepository(session).period_of(counter)
    if row is None or row.period_start < month_start(utcnow()):
        return 0
    return int(row.used)


def usage(
    session: Session, tenant: TenantContext, *, plan: SubscriptionPlan | None = None
) -> UsagePublic:
    """What the tenant uses of each limit of its plan (or of `plan`)."""
    plan = plan if plan is not None else plan_for(session, tenant)
    names = sorted({STORES, *MONTHLY_COUNTERS, *((plan.limits or {}) if plan else {})})
    rows = []
    for name in names:
        if name == STORES:
            used: int | None = tenancy.list_stores(session, tenant, page=Page(limit=1))[1]
        elif name in MONTHLY_COUNTERS or name.endswith("_per_month"):
            used = counter_value(session, tenant, name)
        else:
            used = None
        rows.append(UsageLimitPublic(limit=name, used=used, maximum=_maximum(plan, name)))
    return UsagePublic(
        plan_id=plan.id if plan else None, plan_code=plan.code if plan else None, limits=rows
    )
