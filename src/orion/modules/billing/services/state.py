"""What every billing service reads or does: the deployment's billing settings, the tenant's
subscription row, and the announcement of its changes."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.modules.billing.events import SubscriptionChanged
from orion.modules.billing.exceptions import SubscriptionNotFound
from orion.modules.billing.models import UserSubscription
from orion.modules.billing.repository import SubscriptionRepository
from orion.modules.billing.schemas import LIVE_STATUSES, SubscriptionStatus
from orion.modules.billing.settings import BillingSettings, settings_from

LIVE = tuple(status.value for status in LIVE_STATUSES)


def billing_settings(session: Session) -> BillingSettings:
    return settings_from(runtime_of(session).settings.modules.get("billing"))


def tenant_of(session: Session, tenant_id: uuid.UUID) -> TenantContext:
    """The context of a tenant named by id (a task's or webhook's row): 404 when it is gone."""
    return runtime_of(session).tenant_context(session, tenant_id)


def platform_of(tenant: TenantContext) -> uuid.UUID:
    assert tenant.platform_id is not None, "a billing tenant belongs to a platform"
    return tenant.platform_id


def find_subscription(
    session: Session, tenant: TenantContext, *, lock: bool = False
) -> UserSubscription | None:
    """The tenant's subscription row; `lock` holds it until commit, so two requests
    changing it (and calling Stripe) go one after the other."""
    with acting_for(session, tenant):
        return SubscriptionRepository(session).current(lock=lock)


def get_subscription(
    session: Session, tenant: TenantContext, *, lock: bool = False
) -> UserSubscription:
    subscription = find_subscription(session, tenant, lock=lock)
    if subscription is None:
        raise SubscriptionNotFound("this tenant has no subscription")
    return subscription


def set_status(subscription: UserSubscription, status: SubscriptionStatus) -> None:
    """Change the status, keeping `past_due_since` (when it became past due) in step."""
    if status == SubscriptionStatus.PAST_DUE and subscription.status != status:
        subscription.past_due_since = utcnow()
    elif status != SubscriptionStatus.PAST_DUE:
        subscription.past_due_since = None
    subscription.status = status.value


def announce(
    session: Session,
    subscription: UserSubscription,
    previous_plan_id: uuid.UUID | None,
    previous_status: str | None,
    *,
    reason: str,
) -> None:
    """Publish `billing.subscription_changed` for the row as it is now."""
    publish(
        session,
        SubscriptionChanged(
            tenant_id=subscription.tenant_id,
            subscription_id=subscription.id,
            plan_id=subscription.plan_id,
            status=subscription.status,
            previous_plan_id=previous_plan_id,
            previous_status=previous_status,
            reason=reason,
        ),
    )
