"""Billing: plans and their limits, each tenant's subscription, usage counters, Stripe.

Public surface for other modules (through the kernel, never imported directly, since
billing is optional): the `usage_limits` extension point (`usage_limits` below, used via
`orion.kernel.runtime.limits.check_limit` / `consume_counter`).

States of a subscription: trialing -> active -> past_due -> active | expired; any live
state -> canceled (now, or at the end of the period). A tenant has one subscription row;
subscribing again after it ended reuses the row (one trial per tenant).

Stripe (when configured, ORION_MODULES__BILLING__STRIPE_API_KEY) holds the truth for
subscriptions linked to it: its webhooks (see webhooks.py) and `sync_stripe_status` apply
what it says; without Stripe, subscriptions are kept locally and the scheduled tasks
roll their periods.

Functions take the session first; they flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.paging import Page, paginate
from orion.kernel.data.tenancy import TenantContext, all_tenants, get_tenant, set_tenant
from orion.kernel.errors import FieldError, OrionError, ValidationFailed
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.modules.billing import gateway
from orion.modules.billing.events import SubscriptionChanged
from orion.modules.billing.exceptions import (
    AlreadySubscribed,
    CurrencyMismatch,
    PlanCodeTaken,
    PlanInUse,
    PlanLimitReached,
    PlanNotFound,
    PlanUnavailable,
    StripeNotConfigured,
    SubscriptionNotChangeable,
    SubscriptionNotFound,
)
from orion.modules.billing.models import Proration, SubscriptionPlan, UsageCounter, UserSubscription
from orion.modules.billing.periods import add_interval, month_start, prorate
from orion.modules.billing.schemas import (
    LIVE_STATUSES,
    ORDERS_PER_MONTH,
    STORES,
    CheckoutSessionCreate,
    CheckoutSessionPublic,
    SetupSessionCreate,
    SubscriptionCancel,
    SubscriptionPlanCreate,
    SubscriptionPlanUpdate,
    SubscriptionStatus,
    UsageLimitPublic,
    UsagePublic,
    UserSubscriptionCreate,
    UserSubscriptionUpdate,
)
from orion.modules.billing.settings import BillingSettings, settings_from
from orion.modules.credits import service as credits
from orion.modules.tenancy import service as tenancy
from orion.modules.tenancy.events import TenantDeleted

log = structlog.get_logger(__name__)

LIVE = tuple(status.value for status in LIVE_STATUSES)
# Counters kept per calendar month (UTC); reset by `reset_period_counters`.
MONTHLY_COUNTERS = (ORDERS_PER_MONTH,)


def billing_settings(session: Session) -> BillingSettings:
    return settings_from(runtime_of(session).settings.modules.get("billing"))


@contextmanager
def acting_for(session: Session, tenant_id: uuid.UUID) -> Iterator[TenantContext]:
    """Platform code (a task, a webhook) working on one tenant's rows: in its context."""
    previous = get_tenant(session)
    with all_tenants(session):
        tenant = runtime_of(session).tenant_context(session, tenant_id)
    set_tenant(session, tenant)
    try:
        yield tenant
    finally:
        set_tenant(session, previous)


# -- plans (platform operators) ----------------------------------------------------------------


def list_plans(
    session: Session,
    platform_id: uuid.UUID,
    *,
    page: Page | None = None,
    active_only: bool = False,
) -> tuple[list[SubscriptionPlan], int]:
    query = select(SubscriptionPlan).where(SubscriptionPlan.platform_id == platform_id)
    if active_only:
        query = query.where(SubscriptionPlan.is_active.is_(True))
    return paginate(
        session,
        query,
        page,
        SubscriptionPlan.sort_order,
        SubscriptionPlan.price_amount,
        SubscriptionPlan.code,
    )


def get_plan(session: Session, plan_id: uuid.UUID) -> SubscriptionPlan:
    plan = session.get(SubscriptionPlan, plan_id)
    if plan is None:
        raise PlanNotFound(f"plan {plan_id} not found", plan_id=str(plan_id))
    return plan


def create_plan(
    session: Session, platform_id: uuid.UUID, *, data: SubscriptionPlanCreate
) -> SubscriptionPlan:
    tenancy.get_platform(session, platform_id)  # 404 for a platform that does not exist
    _code_free(session, platform_id, data.code)
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
    session.delete(plan)
    session.flush()


def _in_use(session: Session, plan: SubscriptionPlan) -> bool:
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


def _code_free(session: Session, platform_id: uuid.UUID, code: str) -> None:
    taken = session.scalar(
        select(SubscriptionPlan.id).where(
            SubscriptionPlan.platform_id == platform_id, SubscriptionPlan.code == code
        )
    )
    if taken is not None:
        raise _code_taken(code)


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


# -- a tenant's subscription ---------------------------------------------------------------------


def available_plans(
    session: Session, tenant: TenantContext, *, page: Page | None = None
) -> tuple[list[SubscriptionPlan], int]:
    return list_plans(session, _platform(tenant), page=page, active_only=True)


def find_subscription(
    session: Session, tenant: TenantContext, *, lock: bool = False
) -> UserSubscription | None:
    """The tenant's subscription row; `lock` holds it until commit, so two requests
    changing it (and calling Stripe) go one after the other."""
    query = select(UserSubscription).where(UserSubscription.tenant_id == tenant.tenant_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def get_subscription(
    session: Session, tenant: TenantContext, *, lock: bool = False
) -> UserSubscription:
    subscription = find_subscription(session, tenant, lock=lock)
    if subscription is None:
        raise SubscriptionNotFound("this tenant has no subscription")
    return subscription


def subscribe(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID | None,
    data: UserSubscriptionCreate,
) -> UserSubscription:
    """Subscribe the tenant to a plan: a trial first when the plan has one and the tenant
    never had one; at Stripe too when Stripe is configured and the plan has a price there."""
    plan = _offered_plan(session, tenant, data.plan_id)
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
    if _at_stripe(settings, plan):
        customer = _ensure_customer(session, settings, tenant, subscription)
        remote = gateway.create_subscription(
            settings,
            customer=customer,
            price=str(plan.stripe_price_id),
            trial_days=trial_days,
            metadata=_metadata(tenant, plan, user_id),
            idempotency_key=f"orion-subscribe-{tenant.tenant_id}-{uuid.uuid4().hex}",
        )
        apply_stripe_subscription(session, subscription, remote, created=None)
        session.flush()
    grant_period_credits(session, subscription)
    _announce(session, subscription, *previous, reason="subscribed")
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
    subscription = _live(session, tenant)
    if subscription.status == SubscriptionStatus.PAST_DUE:
        raise SubscriptionNotChangeable("the subscription is past due; settle the invoice first")
    old = get_plan(session, subscription.plan_id)
    new = _offered_plan(session, tenant, data.plan_id)
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
    _announce(session, subscription, old.id, previous_status, reason="plan_changed")
    return subscription, proration


def cancel(
    session: Session, tenant: TenantContext, *, data: SubscriptionCancel
) -> UserSubscription:
    """Cancel at the end of the period (kept until then) or now."""
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
    _announce(session, subscription, subscription.plan_id, previous, reason=reason)
    return subscription


def resume(session: Session, tenant: TenantContext) -> UserSubscription:
    """Take back a cancellation scheduled for the end of the period."""
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


def _offered_plan(session: Session, tenant: TenantContext, plan_id: uuid.UUID) -> SubscriptionPlan:
    plan = session.get(SubscriptionPlan, plan_id)
    if plan is None or plan.platform_id != _platform(tenant) or not plan.is_active:
        raise PlanUnavailable(
            f"plan {plan_id} is not offered to this tenant",
            errors=[FieldError("plan_id", "unknown or retired plan", "unknown_plan")],
        )
    return plan


def _platform(tenant: TenantContext) -> uuid.UUID:
    assert tenant.platform_id is not None, "a billing tenant belongs to a platform"
    return tenant.platform_id


def _announce(
    session: Session,
    subscription: UserSubscription,
    previous_plan_id: uuid.UUID | None,
    previous_status: str | None,
    *,
    reason: str,
) -> None:
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


# -- Stripe sessions and objects -------------------------------------------------------------------


def _at_stripe(settings: BillingSettings, plan: SubscriptionPlan) -> bool:
    return gateway.configured(settings) and bool(plan.stripe_price_id) and plan.price_amount > 0


def _metadata(tenant: TenantContext, plan: SubscriptionPlan, user_id: uuid.UUID | None) -> dict:
    values = {"tenant_id": str(tenant.tenant_id), "plan_id": str(plan.id)}
    if user_id is not None:
        values["user_id"] = str(user_id)
    return values


def _ensure_customer(
    session: Session,
    settings: BillingSettings,
    tenant: TenantContext,
    subscription: UserSubscription | None,
) -> str:
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
    plan = _offered_plan(session, tenant, data.plan_id)
    if not _at_stripe(settings, plan):
        raise StripeNotConfigured("this plan is not sold through Stripe; subscribe directly")
    current = find_subscription(session, tenant)
    if current is not None and current.status in LIVE:
        raise AlreadySubscribed("the tenant is subscribed already; change its plan instead")
    customer = _ensure_customer(session, settings, tenant, current)
    subscription_data: dict[str, Any] = {"metadata": _metadata(tenant, plan, user_id)}
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
            "metadata": _metadata(tenant, plan, user_id),
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
    subscription = get_subscription(session, tenant)
    customer = _ensure_customer(session, settings, tenant, subscription)
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
        plan = _plan_by_price(session, subscription.tenant_id, price)
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
        _set_status(subscription, status)
        if status in (SubscriptionStatus.CANCELED, SubscriptionStatus.EXPIRED):
            subscription.ended_at = _stamp(remote.get("ended_at")) or utcnow()
    if remote.get("default_payment_method"):
        subscription.has_payment_method = True
    if subscription.id is not None and new_period and subscription.status in LIVE:
        session.flush()
        grant_period_credits(session, subscription)
    return True


def _set_status(subscription: UserSubscription, status: SubscriptionStatus) -> None:
    if status == SubscriptionStatus.PAST_DUE and subscription.status != status:
        subscription.past_due_since = utcnow()
    elif status != SubscriptionStatus.PAST_DUE:
        subscription.past_due_since = None
    subscription.status = status.value


def _plan_by_price(session: Session, tenant_id: uuid.UUID, price: str) -> SubscriptionPlan | None:
    platform_id = runtime_of(session).directory.platform_of(session, tenant_id)
    return session.scalar(
        select(SubscriptionPlan).where(
            SubscriptionPlan.platform_id == platform_id, SubscriptionPlan.stripe_price_id == price
        )
    )


# -- included credits ------------------------------------------------------------------------------


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


# -- limits and counters ---------------------------------------------------------------------------


def plan_for(session: Session, tenant: TenantContext) -> SubscriptionPlan | None:
    """The plan whose limits apply: the live subscription's, else the platform's default
    plan, else none (nothing is limited)."""
    subscription = find_subscription(session, tenant)
    if subscription is not None and subscription.status in LIVE:
        return get_plan(session, subscription.plan_id)
    return session.scalar(
        select(SubscriptionPlan).where(
            SubscriptionPlan.platform_id == _platform(tenant),
            SubscriptionPlan.is_default.is_(True),
            SubscriptionPlan.is_active.is_(True),
        )
    )


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
    # have run yet). The row's own columns only: PostgreSQL re-checks them after waiting
    # for a concurrent writer's lock.
    used_after = case(
        (UsageCounter.period_start >= this_month, UsageCounter.used + amount), else_=amount
    )
    statement = (
        update(UsageCounter)
        .where(UsageCounter.tenant_id == tenant.tenant_id, UsageCounter.counter == counter)
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
    row = session.execute(
        select(UsageCounter.used, UsageCounter.period_start).where(
            UsageCounter.tenant_id == tenant.tenant_id, UsageCounter.counter == counter
        )
    ).first()
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


# -- platform operators: subscriptions ------------------------------------------------------


def list_all_subscriptions(
    session: Session,
    *,
    page: Page | None = None,
    platform_id: uuid.UUID | None = None,
    status: SubscriptionStatus | None = None,
    plan_id: uuid.UUID | None = None,
) -> tuple[list[UserSubscription], int]:
    query = select(UserSubscription)
    if status is not None:
        query = query.where(UserSubscription.status == status.value)
    if plan_id is not None:
        query = query.where(UserSubscription.plan_id == plan_id)
    if platform_id is not None:
        query = query.join(SubscriptionPlan, SubscriptionPlan.id == UserSubscription.plan_id).where(
            SubscriptionPlan.platform_id == platform_id
        )
    with all_tenants(session):
        return paginate(
            session, query, page, UserSubscription.created_at.desc(), UserSubscription.id
        )


def get_any_subscription(session: Session, subscription_id: uuid.UUID) -> UserSubscription:
    with all_tenants(session):
        subscription = session.get(UserSubscription, subscription_id)
    if subscription is None:
        raise SubscriptionNotFound(f"subscription {subscription_id} not found")
    return subscription


# -- a tenant deleted --------------------------------------------------------------------------


def on_tenant_deleted(session: Session, event: TenantDeleted) -> None:
    """tenancy.tenant_deleted: its Stripe subscription is cancelled (best effort: a failure
    is logged, Stripe's dunning ends it anyway) and its billing rows go."""
    tenant_id = event.deleted_tenant_id
    settings = billing_settings(session)
    with all_tenants(session):
        subscription = session.scalar(
            select(UserSubscription).where(UserSubscription.tenant_id == tenant_id)
        )
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
            session.execute(delete(model).where(model.tenant_id == tenant_id))


# -- demo data -----------------------------------------------------------------------------------

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
    plans = {}
    for data in DEMO_PLANS:
        plans[data.code] = session.scalar(
            select(SubscriptionPlan).where(
                SubscriptionPlan.platform_id == platform_id, SubscriptionPlan.code == data.code
            )
        ) or create_plan(session, platform_id, data=data)
    previous = get_tenant(session)
    try:
        with all_tenants(session):
            tenants = tenancy.demo_tenants(session)
        for tenant in tenants:
            set_tenant(session, tenant)
            if find_subscription(session, tenant) is None:
                subscribe(
                    session,
                    tenant,
                    user_id=None,
                    data=UserSubscriptionCreate(plan_id=plans["pro"].id),
                )
    finally:
        set_tenant(session, previous)
