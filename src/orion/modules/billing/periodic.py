"""What the scheduled tasks do. Each claims every row it changes with a conditional UPDATE
whose WHERE still holds only before the change (the state, the period it moves from), so a
second run, a retry or a concurrent worker finds nothing left to claim.

Rows are picked under `all_tenants`, then worked on in their tenant's context, each in a
savepoint: one bad row is logged and left for the next run, the others go on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import acting_for, all_tenants
from orion.kernel.errors import NotFound, OrionError
from orion.modules.billing import gateway, services, webhooks
from orion.modules.billing.models import UsageCounter, UserSubscription
from orion.modules.billing.periods import month_start, period_containing
from orion.modules.billing.repository import SubscriptionRepository
from orion.modules.billing.schemas import SubscriptionStatus

log = structlog.get_logger(__name__)

BATCH = 500
ACTIVE = SubscriptionStatus.ACTIVE.value
TRIALING = SubscriptionStatus.TRIALING.value
PAST_DUE = SubscriptionStatus.PAST_DUE.value


def _ids(session: Session, *where: object) -> list[uuid.UUID]:
    with all_tenants(session):
        return list(
            session.scalars(
                select(UserSubscription.id)
                .where(*where)
                .order_by(UserSubscription.current_period_end)
                .limit(BATCH)
            )
        )


def _each(session: Session, ids: list[uuid.UUID], work: Callable[[UserSubscription], bool]) -> int:
    """Run `work` on each subscription in its tenant's context; count those it changed."""
    done = 0
    subscriptions = SubscriptionRepository(session)
    for subscription_id in ids:
        with all_tenants(session):
            tenant_id = session.scalar(
                select(UserSubscription.tenant_id).where(UserSubscription.id == subscription_id)
            )
        if tenant_id is None:
            continue
        try:
            with (
                session.begin_nested(),
                acting_for(session, services.tenant_of(session, tenant_id)),
            ):
                row = subscriptions.find(subscription_id)
                if row is not None and work(row):
                    done += 1
        except NotFound:
            continue  # the tenant is gone
        except OrionError as exc:
            log.warning("billing_row_skipped", subscription_id=str(subscription_id), error=str(exc))
    return done


def _claim(subscription: UserSubscription, *where: object, **values: object) -> bool:
    """UPDATE this row SET values WHERE id = ... AND where; True when it matched."""
    from sqlalchemy.orm import object_session

    session = object_session(subscription)
    assert session is not None
    claimed = session.execute(
        update(UserSubscription)
        .where(UserSubscription.id == subscription.id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        session.refresh(subscription)
    return bool(claimed)


# -- reset_period_counters (daily 00:05) ------------------------------------------------------


def reset_period_counters(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """The day's period boundaries: monthly counters start again at zero; local
    subscriptions whose period ended move to the next one (and get its credits); those
    cancelled at the end of the period end."""
    now = now or utcnow()
    this_month = month_start(now)
    with all_tenants(session):
        counters = session.execute(
            update(UsageCounter)
            .where(UsageCounter.period_start < this_month)
            .values(used=0, period_start=this_month)
            .execution_options(synchronize_session=False)
        ).rowcount

    def end(row: UserSubscription) -> bool:
        previous = row.status
        claimed = _claim(
            row,
            UserSubscription.status.in_(services.LIVE),
            UserSubscription.cancel_at_period_end.is_(True),
            UserSubscription.current_period_end <= now,
            status=SubscriptionStatus.CANCELED.value,
            ended_at=row.current_period_end,
        )
        if claimed:
            services.announce(session, row, row.plan_id, previous, reason="period_ended")
        return claimed

    ended = _each(
        session,
        _ids(
            session,
            UserSubscription.status.in_(services.LIVE),
            UserSubscription.cancel_at_period_end.is_(True),
            UserSubscription.current_period_end <= now,
        ),
        end,
    )

    def roll(row: UserSubscription) -> bool:
        plan = services.get_plan(session, row.plan_id)
        old_start = row.current_period_start
        start, finish = period_containing(old_start, plan.interval, now)
        if start == old_start:
            return False
        if not _claim(
            row,
            UserSubscription.status == ACTIVE,
            UserSubscription.current_period_start == old_start,
            current_period_start=start,
            current_period_end=finish,
        ):
            return False
        services.grant_period_credits(session, row)
        return True

    rolled = _each(
        session,
        _ids(
            session,
            UserSubscription.status == ACTIVE,
            UserSubscription.stripe_subscription_id.is_(None),
            UserSubscription.cancel_at_period_end.is_(False),
            UserSubscription.current_period_end <= now,
        ),
        roll,
    )
    return {"counters_reset": counters, "periods_rolled": rolled, "ended": ended}


# -- check_trial_expirations (daily 01:00) -----------------------------------------------------


def check_trial_expirations(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Trials that ended: on to a paid period when a payment method is on file (or the plan
    is free), else expired. Stripe's own trials are converted by Stripe (see the sync)."""
    now = now or utcnow()
    counts = {"activated": 0, "expired": 0}

    def settle(row: UserSubscription) -> bool:
        plan = services.get_plan(session, row.plan_id)
        assert row.trial_end is not None
        trial_end = row.trial_end
        if row.has_payment_method or plan.price_amount == 0:
            start, finish = period_containing(trial_end, plan.interval, now)
            if not _claim(
                row,
                UserSubscription.status == TRIALING,
                status=ACTIVE,
                current_period_start=start,
                current_period_end=finish,
            ):
                return False
            services.grant_period_credits(session, row)
            counts["activated"] += 1
            reason = "trial_converted"
        else:
            if not _claim(
                row,
                UserSubscription.status == TRIALING,
                status=SubscriptionStatus.EXPIRED.value,
                ended_at=trial_end,
            ):
                return False
            counts["expired"] += 1
            reason = "trial_expired"
        services.announce(session, row, row.plan_id, TRIALING, reason=reason)
        return True

    _each(
        session,
        _ids(
            session,
            UserSubscription.status == TRIALING,
            UserSubscription.stripe_subscription_id.is_(None),
            UserSubscription.trial_end <= now,
        ),
        settle,
    )
    return counts


# -- sync_stripe_status (hourly at :30) --------------------------------------------------------


def sync_stripe_status(
    session: Session,
    *,
    now: datetime | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Read each live Stripe subscription not synced lately from Stripe and apply it (what
    a lost webhook would have said); send events whose processing task was lost again."""
    now = now or utcnow()
    settings = services.billing_settings(session)
    counts = {"synced": 0, "requeued_events": webhooks.requeue_stale(session)}
    if not gateway.configured(settings):
        return counts
    cutoff = now - timedelta(minutes=settings.sync_every_minutes)
    fresh = or_(
        UserSubscription.stripe_synced_at.is_(None), UserSubscription.stripe_synced_at < cutoff
    )

    def sync(row: UserSubscription) -> bool:
        if not _claim(row, fresh, stripe_synced_at=now):
            return False
        remote = gateway.retrieve_subscription(settings, str(row.stripe_subscription_id))
        previous = (row.plan_id, row.status)
        services.apply_stripe_subscription(session, row, remote, created=None)
        session.flush()
        if previous != (row.plan_id, row.status):
            services.announce(session, row, *previous, reason="stripe_sync")
        return True

    for subscription_id in _ids(
        session,
        UserSubscription.stripe_subscription_id.is_not(None),
        UserSubscription.status.in_(services.LIVE),
        fresh,
    ):
        counts["synced"] += _each(session, [subscription_id], sync)
        if checkpoint is not None:
            checkpoint()  # each row's claim and result are kept as soon as they are known
    return counts


# -- cleanup_stale_subscriptions (weekly, Sunday 03:00) ------------------------------------------


def cleanup_stale_subscriptions(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Subscriptions past due beyond the grace period expire (and are cancelled at Stripe);
    webhook events handled long ago are forgotten."""
    now = now or utcnow()
    settings = services.billing_settings(session)
    cutoff = now - timedelta(days=settings.past_due_grace_days)

    def expire(row: UserSubscription) -> bool:
        if not _claim(
            row,
            UserSubscription.status == PAST_DUE,
            UserSubscription.past_due_since <= cutoff,
            status=SubscriptionStatus.EXPIRED.value,
            ended_at=now,
        ):
            return False
        if row.stripe_subscription_id and gateway.configured(settings):
            gateway.cancel_now(settings, row.stripe_subscription_id)
        services.announce(session, row, row.plan_id, PAST_DUE, reason="past_due_expired")
        return True

    expired = _each(
        session,
        _ids(
            session,
            UserSubscription.status == PAST_DUE,
            UserSubscription.past_due_since <= cutoff,
        ),
        expire,
    )
    events = webhooks.forget_old(session, older_than_days=settings.event_retention_days)
    return {"expired": expired, "events_forgotten": events}
