"""A tenant's subscription: subscribe (a trial first when the plan has one), change plan
(prorated), cancel, resume; and the operators' view of every tenant's subscription.

States: trialing -> active -> past_due -> active | expired; any live state -> canceled
(now, or at the end of the period). A tenant has one subscription row; subscribing again
after it ended reuses the row (one trial per tenant)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.errors import FieldError
from orion.modules.billing import gateway
from orion.modules.billing.exceptions import (
    AlreadySubscribed,
    CurrencyMismatch,
    PlanUnavailable,
    SubscriptionNotChangeable,
)
from orion.modules.billing.models import Proration, SubscriptionPlan, UserSubscription
from orion.modules.billing.periods import add_interval, prorate
from orion.modules.billing.repository import SubscriptionRepository
from orion.modules.billing.schemas import (
    SubscriptionCancel,
    SubscriptionStatus,
    UserSubscriptionCreate,
    UserSubscriptionsPublic,
    UserSubscriptionUpdate,
)
from orion.modules.billing.services.included_credits import grant_period_credits
from orion.modules.billing.services.plans import get_plan, offered_plan
from orion.modules.billing.services.state import (
    LIVE,
    announce,
    billing_settings,
    find_subscription,
    get_subscription,
)
from orion.modules.billing.services.stripe_sync import (
    apply_stripe_subscription,
    at_stripe,
    ensure_customer,
    metadata,
)
from orion.modules.billing.services.usage import usage


def subscribe(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID | None,
    data: UserSubscriptionCreate,
) -> UserSubscription:
    """Subscribe the tenant to a plan: a trial first when the plan has one and the tenant
    never had one; at Stripe too when Stripe is configured and the plan has a price there."""
    with acting_for(session, tenant):
        return _subscribe(session, tenant, user_id=user_id, data=data)


def _subscribe(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID | None,
    data: UserSubscriptionCreate,
) -> UserSubscription:
    plan = offered_plan(session, tenant, data.plan_id)
    subscription = find_subscription(session, tenant, lock=True)
    if subscription is not None and subscription.status in LIVE:
        raise AlreadySubscribed(
            "the tenant is subscribed already; change its plan instead",
            subscription_id=str(subscription.id),
        )
    settings = billing_settings(session)
    now = utcnow()
    had_trial = subscription is not None and subscription.trial_end is not None
    trial_days = 0 if had_trial else plan.trial_days
    previous = (subscription.plan_id, subscription.status) if subscription else (None, None)
    if subscription is None:
        subscription = UserSubscription(tenant_id=tenant.tenant_id)
    subscription.user_id = user_id
    subscription.plan_id = plan.id
    subscription.cancel_at_period_end = False
    subscription.canceled_at = subscription.ended_at = subscription.past_due_since = None
    subscription.stripe_subscription_id = subscription.stripe_item_id = None
    subscription.stripe_event_created = None
    if trial_days:
        subscription.status = SubscriptionStatus.TRIALING.value
        subscription.trial_end = now + timedelta(days=trial_days)
        subscription.current_period_start, subscription.current_period_end = (
            now,
            subscription.trial_end,
        )
    else:
        subscription.status = SubscriptionStatus.ACTIVE.value
        subscription.current_period_start = now
        subscription.current_period_end = add_interval(now, plan.interval)
    # Take the tenant's one slot before asking Stripe: a concurrent request waits here and
    # is refused, instead of leaving a second subscription at Stripe.
    try:
        with session.begin_nested():
            session.add(subscription)
            session.flush()
    except IntegrityError:
        raise AlreadySubscribed("the tenant subscribed meanwhile") from None
    if at_stripe(settings, plan):
        customer = ensure_customer(session, settings, tenant, subscription)
        remote = gateway.create_subscription(
            settings,
            customer=customer,
            price=str(plan.stripe_price_id),
            trial_days=trial_days,
            metadata=metadata(tenant, plan, user_id),
            idempotency_key=f"orion-subscribe-{tenant.tenant_id}-{uuid.uuid4().hex}",
        )
        apply_stripe_subscription(session, subscription, remote, created=None)
        session.flush()
    grant_period_credits(session, subscription)
    announce(session, subscription, *previous, reason="subscribed")
    return subscription


def change_plan(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID | None,
    data: UserSubscriptionUpdate,
) -> tuple[UserSubscription, Proration]:
    """Move to another plan now. The rest of the period is prorated (see periods.py); a
    change of interval starts a new period. A plan whose limits the tenant's use passes
    is refused with the limit named."""
    with acting_for(session, tenant):
        subscription = _live(session, tenant)
        if subscription.status == SubscriptionStatus.PAST_DUE:
            raise SubscriptionNotChangeable(
                "the subscription is past due; settle the invoice first"
            )
        old = get_plan(session, subscription.plan_id)
        new = offered_plan(session, tenant, data.plan_id)
        _check_change(session, tenant, old, new)
        return _move_to(session, tenant, subscription, old, new, user_id=user_id)


def _check_change(
    session: Session, tenant: TenantContext, old: SubscriptionPlan, new: SubscriptionPlan
) -> None:
    if new.id == old.id:
        raise SubscriptionNotChangeable("the subscription is on this plan already")
    if new.currency != old.currency:
        raise CurrencyMismatch(
            f"the plan is priced in {new.currency}, the subscription in {old.currency}",
            errors=[FieldError("plan_id", "another currency")],
        )
    for row in usage(session, tenant, plan=new).limits:
        if row.maximum is not None and row.used is not None and row.used > row.maximum:
            raise SubscriptionNotChangeable(
                f"the {new.name} plan allows {row.maximum} {row.limit.replace('_', ' ')}; "
                f"{row.used} are in use",
                limit=row.limit,
                current=row.used,
                maximum=row.maximum,
            )


def _move_to(
    session: Session,
    tenant: TenantContext,
    subscription: UserSubscription,
    old: SubscriptionPlan,
    new: SubscriptionPlan,
    *,
    user_id: uuid.UUID | None,
) -> tuple[UserSubscription, Proration]:
    now = utcnow()
    start, end = subscription.current_period_start, subscription.current_period_end
    period_before = start
    if subscription.status == SubscriptionStatus.TRIALING:
        amount = 0
    elif new.interval != old.interval:
        amount = prorate(old_price=old.price_amount, new_price=0, start=start, end=end, now=now)
        amount += new.price_amount
        start, end = now, add_interval(now, new.interval)
        subscription.current_period_start, subscription.current_period_end = start, end
    else:
        amount = prorate(
            old_price=old.price_amount, new_price=new.price_amount, start=start, end=end, now=now
        )
    settings = billing_settings(session)
    if subscription.stripe_subscription_id:
        if not new.stripe_price_id:
            raise PlanUnavailable(
                "the plan has no Stripe price; it cannot replace a Stripe subscription",
                errors=[FieldError("plan_id", "no Stripe price")],
            )
        remote = gateway.change_price(
            settings,
            subscription_id=subscription.stripe_subscription_id,
            item_id=subscription.stripe_item_id,
            price=new.stripe_price_id,
        )
        apply_stripe_subscription(session, subscription, remote, created=None)
    previous_status = subscription.status
    subscription.plan_id = new.id
    proration = Proration(
        tenant_id=tenant.tenant_id,
        subscription_id=subscription.id,
        from_plan_id=old.id,
        to_plan_id=new.id,
        amount=amount,
        currency=new.currency,
        period_start=start,
        period_end=end,
        changed_at=now,
        user_id=user_id,
    )
    session.add(proration)
    session.flush()
    if subscription.current_period_start != period_before:  # a new period began
        grant_period_credits(session, subscription)
    announce(session, subscription, old.id, previous_status, reason="plan_changed")
    return subscription, proration


def cancel(
    session: Session, tenant: TenantContext, *, data: SubscriptionCancel
) -> UserSubscription:
    """Cancel at the end of the period (kept until then) or now."""
    with acting_for(session, tenant):
        subscription = _live(session, tenant)
        settings = billing_settings(session)
        now = utcnow()
        previous = subscription.status
        if data.at_period_end and subscription.status != SubscriptionStatus.PAST_DUE:
            if subscription.stripe_subscription_id:
                remote = gateway.set_cancel_at_period_end(
                    settings, subscription.stripe_subscription_id, True
                )
                apply_stripe_subscription(session, subscription, remote, created=None)
            subscription.cancel_at_period_end = True
            subscription.canceled_at = now
            reason = "cancel_scheduled"
        else:
            if subscription.stripe_subscription_id:
                remote = gateway.cancel_now(settings, subscription.stripe_subscription_id)
                apply_stripe_subscription(session, subscription, remote, created=None)
            subscription.status = SubscriptionStatus.CANCELED.value
            subscription.canceled_at = subscription.canceled_at or now
            subscription.ended_at = now
            reason = "canceled"
        session.flush()
        announce(session, subscription, subscription.plan_id, previous, reason=reason)
    return subscription


def resume(session: Session, tenant: TenantContext) -> UserSubscription:
    """Take back a cancellation scheduled for the end of the period."""
    with acting_for(session, tenant):
        subscription = _live(session, tenant)
        if not subscription.cancel_at_period_end:
            raise SubscriptionNotChangeable("no cancellation is scheduled")
        if subscription.stripe_subscription_id:
            remote = gateway.set_cancel_at_period_end(
                billing_settings(session), subscription.stripe_subscription_id, False
            )
            apply_stripe_subscription(session, subscription, remote, created=None)
        subscription.cancel_at_period_end = False
        subscription.canceled_at = None
        session.flush()
    return subscription


def _live(session: Session, tenant: TenantContext) -> UserSubscription:
    subscription = get_subscription(session, tenant, lock=True)
    if subscription.status not in LIVE:
        raise SubscriptionNotChangeable(
            f"the subscription is {subscription.status}; subscribe again instead"
        )
    return subscription


# -- platform operators --------------------------------------------------------------------


def list_all_subscriptions(
    session: Session,
    *,
    page: Page | None = None,
    platform_id: uuid.UUID | None = None,
    status: SubscriptionStatus | None = None,
    plan_id: uuid.UUID | None = None,
) -> tuple[list[UserSubscription], int]:
    subscriptions = SubscriptionRepository(session)
    query = _subscriptions_query(subscriptions, platform_id, status, plan_id)
    with all_tenants(session):
        return subscriptions.page(query, page, UserSubscription.created_at.desc())


def all_subscriptions_listing(
    session: Session,
    *,
    page: Page | None = None,
    platform_id: uuid.UUID | None = None,
    status: SubscriptionStatus | None = None,
    plan_id: uuid.UUID | None = None,
) -> UserSubscriptionsPublic:
    """Operators' list route (`list_all_subscriptions` gives ORM rows)."""
    subscriptions = SubscriptionRepository(session)
    query = _subscriptions_query(subscriptions, platform_id, status, plan_id)
    with all_tenants(session):
        return subscriptions.listing(
            UserSubscriptionsPublic, query, page, UserSubscription.created_at.desc()
        )


def _subscriptions_query(
    subscriptions: SubscriptionRepository,
    platform_id: uuid.UUID | None,
    status: SubscriptionStatus | None,
    plan_id: uuid.UUID | None,
) -> Select[tuple[UserSubscription]]:
    query = subscriptions.select()
    if status is not None:
        query = query.where(UserSubscription.status == status.value)
    if plan_id is not None:
        query = query.where(UserSubscription.plan_id == plan_id)
    if platform_id is not None:
        query = query.join(SubscriptionPlan, SubscriptionPlan.id == UserSubscription.plan_id).where(
            SubscriptionPlan.platform_id == platform_id
        )
    return query


def get_any_subscription(session: Session, subscription_id: uuid.UUID) -> UserSubscription:
    with all_tenants(session):
        return SubscriptionRepository(session).get(subscription_id)
