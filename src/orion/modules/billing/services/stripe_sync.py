"""Stripe: customers, Checkout pages, and applying what Stripe says of a subscription to
its row (webhooks, the hourly sync and the answers of our own calls all go through
`apply_stripe_subscription`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime import runtime_of
from orion.modules.billing import gateway
from orion.modules.billing.exceptions import AlreadySubscribed, StripeNotConfigured
from orion.modules.billing.models import SubscriptionPlan, UserSubscription
from orion.modules.billing.repository import PlanRepository
from orion.modules.billing.schemas import (
    CheckoutSessionCreate,
    CheckoutSessionPublic,
    SetupSessionCreate,
    SubscriptionStatus,
)
from orion.modules.billing.services.included_credits import grant_period_credits
from orion.modules.billing.services.plans import get_plan, offered_plan
from orion.modules.billing.services.state import (
    LIVE,
    billing_settings,
    find_subscription,
    get_subscription,
    set_status,
)
from orion.modules.billing.settings import BillingSettings
from orion.modules.tenancy import services as tenancy

STRIPE_STATUSES = {
    "trialing": SubscriptionStatus.TRIALING,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    # The first payment has not gone through yet: owed, like a failed renewal.
    "incomplete": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.PAST_DUE,
    "paused": SubscriptionStatus.PAST_DUE,
    "canceled": SubscriptionStatus.CANCELED,
    "incomplete_expired": SubscriptionStatus.EXPIRED,
}


def at_stripe(settings: BillingSettings, plan: SubscriptionPlan) -> bool:
    """Whether a subscription to the plan is made at Stripe (else kept locally)."""
    return gateway.configured(settings) and bool(plan.stripe_price_id) and plan.price_amount > 0


def metadata(tenant: TenantContext, plan: SubscriptionPlan, user_id: uuid.UUID | None) -> dict:
    """What rides along at Stripe so that its events name the tenant and plan."""
    values = {"tenant_id": str(tenant.tenant_id), "plan_id": str(plan.id)}
    if user_id is not None:
        values["user_id"] = str(user_id)
    return values


def ensure_customer(
    session: Session,
    settings: BillingSettings,
    tenant: TenantContext,
    subscription: UserSubscription | None,
) -> str:
    """The tenant's Stripe customer id, made at Stripe the first time."""
    if subscription is not None and subscription.stripe_customer_id:
        return subscription.stripe_customer_id
    record = tenancy.get_tenant_record(session, tenant.tenant_id)
    customer = gateway.create_customer(
        settings, tenant_id=str(tenant.tenant_id), name=record.name, email=None
    )
    if subscription is not None:
        subscription.stripe_customer_id = customer["id"]
    return customer["id"]


def checkout_session(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID | None,
    data: CheckoutSessionCreate,
) -> CheckoutSessionPublic:
    """A Stripe Checkout page where the tenant pays for a plan; the subscription arrives
    through the webhooks once paid."""
    settings = billing_settings(session)
    with acting_for(session, tenant):
        plan = offered_plan(session, tenant, data.plan_id)
        if not at_stripe(settings, plan):
            raise StripeNotConfigured("this plan is not sold through Stripe; subscribe directly")
        current = find_subscription(session, tenant)
        if current is not None and current.status in LIVE:
            raise AlreadySubscribed("the tenant is subscribed already; change its plan instead")
        customer = ensure_customer(session, settings, tenant, current)
    subscription_data: dict[str, Any] = {"metadata": metadata(tenant, plan, user_id)}
    if plan.trial_days and not (current and current.trial_end):
        subscription_data["trial_period_days"] = plan.trial_days
    created = gateway.create_checkout_session(
        settings,
        {
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": str(tenant.tenant_id),
            "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
            "subscription_data": subscription_data,
            "metadata": metadata(tenant, plan, user_id),
            "success_url": data.success_url or settings.checkout_success_url,
            "cancel_url": data.cancel_url or settings.checkout_cancel_url,
        },
    )
    return CheckoutSessionPublic(id=created["id"], url=created.get("url"), mode="subscription")


def setup_session(
    session: Session, tenant: TenantContext, *, data: SetupSessionCreate
) -> CheckoutSessionPublic:
    """A Stripe Checkout page in setup mode, where the tenant stores a payment method."""
    settings = billing_settings(session)
    with acting_for(session, tenant):
        subscription = get_subscription(session, tenant)
        customer = ensure_customer(session, settings, tenant, subscription)
        session.flush()
    created = gateway.create_checkout_session(
        settings,
        {
            "mode": "setup",
            "customer": customer,
            "currency": get_plan(session, subscription.plan_id).currency.lower(),
            "client_reference_id": str(tenant.tenant_id),
            "metadata": {"tenant_id": str(tenant.tenant_id)},
            "success_url": data.success_url or settings.checkout_success_url,
            "cancel_url": data.cancel_url or settings.checkout_cancel_url,
        },
    )
    return CheckoutSessionPublic(id=created["id"], url=created.get("url"), mode="setup")


def _stamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=utcnow().tzinfo) if value else None


def apply_stripe_subscription(
    session: Session,
    subscription: UserSubscription,
    remote: dict[str, Any],
    *,
    created: int | None,
) -> bool:
    """Bring the row in line with a Stripe subscription object as of `created` (an event's
    time; None: read from Stripe just now, dated by Stripe's own clock). An event older
    than what was applied is ignored (False).
    Grants the included credits when a new period began.

    The caller holds the row's lock (`find_subscription(lock=True)`, the sync's claiming
    UPDATE, the webhooks' `_find`), so the comparison with `stripe_event_created` and the
    write are one step: a concurrent writer of the row waits and then compares with this."""
    if created is None:  # read from Stripe: as new as Stripe's clock when it answered
        created = remote.get(gateway.READ_AT) or int(utcnow().timestamp())
        read = True
    else:
        read = False
    if not read and (subscription.stripe_event_created or 0) > created:
        return False
    marker = created
    subscription.stripe_event_created = max(subscription.stripe_event_created or 0, marker)
    subscription.stripe_subscription_id = remote.get("id") or subscription.stripe_subscription_id
    customer = remote.get("customer")
    if isinstance(customer, str):
        subscription.stripe_customer_id = customer
    items = (remote.get("items") or {}).get("data") or []
    item = items[0] if items else {}
    if item.get("id"):
        subscription.stripe_item_id = item["id"]
    price = (item.get("price") or {}).get("id")
    if price and subscription.tenant_id is not None:
        platform_id = runtime_of(session).directory.platform_of(session, subscription.tenant_id)
        plan = PlanRepository(session).by_price(platform_id, price)
        if plan is not None:
            subscription.plan_id = plan.id
    start = _stamp(remote.get("current_period_start") or item.get("current_period_start"))
    end = _stamp(remote.get("current_period_end") or item.get("current_period_end"))
    new_period = start is not None and start != subscription.current_period_start
    if start is not None and end is not None:
        subscription.current_period_start, subscription.current_period_end = start, end
    subscription.trial_end = _stamp(remote.get("trial_end")) or subscription.trial_end
    subscription.cancel_at_period_end = bool(remote.get("cancel_at_period_end"))
    subscription.canceled_at = _stamp(remote.get("canceled_at")) or (
        subscription.canceled_at if subscription.cancel_at_period_end else None
    )
    status = STRIPE_STATUSES.get(str(remote.get("status")))
    if status is not None:
        set_status(subscription, status)
        if status in (SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED):
            subscription.ended_at = _stamp(remote.get("ended_at")) or utcnow()
    if remote.get("default_payment_method"):
        subscription.has_payment_method = True
    if subscription.id is not None and new_period and subscription.status in LIVE:
        session.flush()
        grant_period_credits(session, subscription)
    return True
