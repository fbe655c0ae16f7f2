"""The billing module's part in the platform's life: demo data, a tenant deleted."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.errors import OrionError
from orion.modules.billing import gateway
from orion.modules.billing.models import Proration, UsageCounter, UserSubscription
from orion.modules.billing.repository import PlanRepository
from orion.modules.billing.schemas import SubscriptionPlanCreate, UserSubscriptionCreate
from orion.modules.billing.services.plans import create_plan
from orion.modules.billing.services.state import LIVE, billing_settings, find_subscription
from orion.modules.billing.services.subscriptions import subscribe
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.events import TenantDeleted

log = structlog.get_logger(__name__)


def on_tenant_deleted(session: Session, event: TenantDeleted) -> None:
    """tenancy.tenant_deleted: its Stripe subscription is cancelled (best effort: a failure
    is logged, Stripe's dunning ends it anyway) and its billing rows go."""
    tenant_id = event.deleted_tenant_id
    settings = billing_settings(session)
    with acting_for(session, TenantContext(tenant_id)):
        subscription = session.scalar(select(UserSubscription))
        if (
            subscription is not None
            and subscription.stripe_subscription_id
            and subscription.status in LIVE
            and gateway.configured(settings)
        ):
            try:
                gateway.cancel_now(settings, subscription.stripe_subscription_id)
            except OrionError as exc:
                log.warning(
                    "stripe_cancel_failed_for_deleted_tenant",
                    tenant_id=str(tenant_id),
                    error=exc.message,
                )
        for model in (Proration, UsageCounter, UserSubscription):
            session.execute(delete(model))


DEMO_PLANS = (
    SubscriptionPlanCreate(
        code="starter",
        name="Starter",
        description="One store to begin with",
        price_amount=0,
        limits={"stores": 1, "products": 100, "orders_per_month": 100},
        features=["One store", "Community support"],
        is_default=True,
        sort_order=0,
    ),
    SubscriptionPlanCreate(
        code="pro",
        name="Pro",
        description="Growing merchants",
        price_amount=2900,
        trial_days=14,
        limits={"stores": 5, "products": 10_000, "orders_per_month": 5_000},
        included_credits=5_000,
        features=["Five stores", "Priority support", "5,000 AI credits a month"],
        sort_order=10,
    ),
)


def seed_demo(session: Session, runtime: Any) -> None:
    """`orion demo`: a free default plan and a Pro plan on the default platform, and the
    demo tenants on Pro (once: existing plans and subscriptions are left alone)."""
    platform_id = runtime.directory.default_platform_id(session)
    plans = PlanRepository(session)
    made = {
        data.code: plans.by_code(platform_id, data.code)
        or create_plan(session, platform_id, data=data)
        for data in DEMO_PLANS
    }
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    for tenant in tenants:
        if find_subscription(session, tenant) is None:
            subscribe(
                session, tenant, user_id=None, data=UserSubscriptionCreate(plan_id=made["pro"].id)
            )
