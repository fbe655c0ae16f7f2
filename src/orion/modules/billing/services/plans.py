"""Plans: the tiers a platform offers (platform operators manage them), and the ones a
tenant may subscribe to."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.errors import FieldError
from orion.modules.billing.exceptions import (
    CurrencyMismatch,
    PlanCodeTaken,
    PlanInUse,
    PlanUnavailable,
)
from orion.modules.billing.models import Proration, SubscriptionPlan, UserSubscription
from orion.modules.billing.repository import PlanRepository
from orion.modules.billing.schemas import (
    SubscriptionPlanCreate,
    SubscriptionPlansPublic,
    SubscriptionPlanUpdate,
)
from orion.modules.billing.services.state import platform_of
from orion.modules.tenancy import services as tenancy

PLAN_ORDER = (SubscriptionPlan.sort_order, SubscriptionPlan.price_amount, SubscriptionPlan.code)


def list_plans(
    session: Session,
    platform_id: uuid.UUID,
    *,
    page: Page | None = None,
    active_only: bool = False,
) -> tuple[list[SubscriptionPlan], int]:
    plans = PlanRepository(session)
    return plans.page(plans.of_platform(platform_id, active_only=active_only), page, *PLAN_ORDER)


def plans_listing(
    session: Session,
    platform_id: uuid.UUID,
    *,
    page: Page | None = None,
    active_only: bool = False,
) -> SubscriptionPlansPublic:
    """The list routes' page (`list_plans` gives ORM rows)."""
    plans = PlanRepository(session)
    return plans.listing(
        SubscriptionPlansPublic,
        plans.of_platform(platform_id, active_only=active_only),
        page,
        *PLAN_ORDER,
    )


def get_plan(session: Session, plan_id: uuid.UUID) -> SubscriptionPlan:
    return PlanRepository(session).get(plan_id)


def create_plan(
    session: Session, platform_id: uuid.UUID, *, data: SubscriptionPlanCreate
) -> SubscriptionPlan:
    tenancy.get_platform(session, platform_id)  # 404 for a platform that does not exist
    if PlanRepository(session).by_code(platform_id, data.code) is not None:
        raise _code_taken(data.code)
    plan = SubscriptionPlan(platform_id=platform_id, **data.model_dump(mode="json"))
    try:
        with session.begin_nested():
            session.add(plan)
            session.flush()
    except IntegrityError:
        raise _code_taken(data.code) from None
    if plan.is_default:
        _only_default(session, plan)
    return plan


def update_plan(
    session: Session, plan_id: uuid.UUID, *, data: SubscriptionPlanUpdate
) -> SubscriptionPlan:
    plan = get_plan(session, plan_id)
    changes = data.model_dump(mode="json", exclude_unset=True)
    for field in ("name", "price_amount", "currency", "interval", "is_active", "is_default"):
        if field in changes and changes[field] is None:
            raise PlanUnavailable(
                f"{field} cannot be null", errors=[FieldError(field, "cannot be null")]
            )
    if "currency" in changes and changes["currency"] != plan.currency and _in_use(session, plan):
        raise CurrencyMismatch(
            "subscriptions use this plan; its currency cannot change (make a new plan)",
            errors=[FieldError("currency", "the plan has subscriptions")],
        )
    for field, value in changes.items():
        setattr(plan, field, value)
    session.flush()
    if plan.is_default:
        _only_default(session, plan)
    return plan


def delete_plan(session: Session, plan_id: uuid.UUID) -> None:
    """Delete a plan no subscription ever used; retire the others (`is_active` false)."""
    plan = get_plan(session, plan_id)
    if _in_use(session, plan):
        raise PlanInUse(
            "subscriptions use this plan; retire it instead (is_active false)",
            plan_id=str(plan_id),
        )
    PlanRepository(session).delete(plan)


def available_plans(
    session: Session, tenant: TenantContext, *, page: Page | None = None
) -> tuple[list[SubscriptionPlan], int]:
    return list_plans(session, platform_of(tenant), page=page, active_only=True)


def offered_plans_listing(
    session: Session, tenant: TenantContext, *, page: Page | None = None
) -> SubscriptionPlansPublic:
    """The plans the tenant may subscribe to, as the list route answers them."""
    return plans_listing(session, platform_of(tenant), page=page, active_only=True)


def offered_plan(session: Session, tenant: TenantContext, plan_id: uuid.UUID) -> SubscriptionPlan:
    """The plan, if the tenant's platform offers it now; else a 422 naming `plan_id`."""
    plan = PlanRepository(session).find(plan_id)
    if plan is None or plan.platform_id != platform_of(tenant) or not plan.is_active:
        raise PlanUnavailable(
            f"plan {plan_id} is not offered to this tenant",
            errors=[FieldError("plan_id", "unknown or retired plan", "unknown_plan")],
        )
    return plan


def _in_use(session: Session, plan: SubscriptionPlan) -> bool:
    """Whether any tenant's subscription or plan change names the plan (platform-wide)."""
    with all_tenants(session):
        return (
            session.scalar(
                select(UserSubscription.id).where(UserSubscription.plan_id == plan.id).limit(1)
            )
            is not None
            or session.scalar(
                select(Proration.id)
                .where(or_(Proration.from_plan_id == plan.id, Proration.to_plan_id == plan.id))
                .limit(1)
            )
            is not None
        )


def _code_taken(code: str) -> PlanCodeTaken:
    return PlanCodeTaken(
        f"the platform has a plan with code {code!r}",
        errors=[FieldError("code", "already taken on this platform", "unique")],
    )


def _only_default(session: Session, plan: SubscriptionPlan) -> None:
    session.execute(
        update(SubscriptionPlan)
        .where(
            SubscriptionPlan.platform_id == plan.platform_id,
            SubscriptionPlan.id != plan.id,
            SubscriptionPlan.is_default.is_(True),
        )
        .values(is_default=False)
    )
