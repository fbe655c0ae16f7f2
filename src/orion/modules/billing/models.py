"""Billing models: plans (tiers), each tenant's subscription, usage counters, Stripe events.

Money is an integer amount in the currency's minor unit (cents) with an ISO 4217 code.
After changing a model: `orion db revision --module billing -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, Timestamps, UUIDPrimaryKey

INTERVALS = ("month", "year")
STATUSES = ("trialing", "active", "past_due", "canceled", "expired")
EVENT_STATES = ("received", "processing", "processed", "ignored", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SubscriptionPlan(UUIDPrimaryKey, Timestamps, Base):
    """A tier a platform offers: its price per interval, trial, features and limits.

    `limits` maps a limit name (`stores`, `products`, `orders_per_month`, ...) to the most a
    tenant on this plan may have; a name absent from it is not limited.
    """

    __tablename__ = "billing_plan"
    __table_args__ = (
        UniqueConstraint("platform_id", "code"),
        CheckConstraint("price_amount >= 0", name="price_not_negative"),
        CheckConstraint("trial_days >= 0", name="trial_days_not_negative"),
        CheckConstraint("included_credits >= 0", name="included_credits_not_negative"),
        CheckConstraint(_one_of("interval", INTERVALS), name="interval"),
    )

    platform_id: Mapped[uuid.UUID]
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str] = mapped_column(String(8))
    trial_days: Mapped[int] = mapped_column(default=0)
    features: Mapped[list[Any]] = mapped_column(default=list)
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    included_credits: Mapped[int] = mapped_column(BigInteger, default=0)
    stripe_price_id: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The plan of tenants with no live subscription (a free tier); at most one per platform.
    is_default: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)


class UserSubscription(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A tenant's subscription (one per tenant), taken by `user_id`."""

    __tablename__ = "billing_subscription"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        Index("ix_billing_subscription_status_period_end", "status", "current_period_end"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column()  # the unique constraint indexes it
    user_id: Mapped[uuid.UUID | None]
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("billing_plan.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    current_period_start: Mapped[datetime]
    current_period_end: Mapped[datetime]
    trial_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    canceled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    past_due_since: Mapped[datetime | None]
    has_payment_method: Mapped[bool] = mapped_column(default=False)
    # The period whose included credits were granted: the grant's once-only marker.
    credits_granted_for: Mapped[datetime | None]
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_item_id: Mapped[str | None] = mapped_column(String(255))
    # Stripe's `created` of the newest event applied: an older event never overwrites it.
    stripe_event_created: Mapped[int | None] = mapped_column(BigInteger)
    # When `sync_stripe_status` last claimed this row.
    stripe_synced_at: Mapped[datetime | None]


class Proration(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """What a plan change mid-period costs (positive) or gives back (negative)."""

    __tablename__ = "billing_proration"

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("billing_subscription.id", ondelete="CASCADE"), index=True
    )
    from_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("billing_plan.id"))
    to_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("billing_plan.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    changed_at: Mapped[datetime]
    user_id: Mapped[uuid.UUID | None]


class UsageCounter(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """How much of a monthly counter (`orders_per_month`) a tenant used since `period_start`
    (the first day of the month, UTC)."""

    __tablename__ = "billing_usage_counter"
    __table_args__ = (
        UniqueConstraint("tenant_id", "counter"),
        CheckConstraint("used >= 0", name="used_not_negative"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column()
    counter: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime]
    used: Mapped[int] = mapped_column(BigInteger, default=0)


class StripeEvent(UUIDPrimaryKey, Base):
    """A webhook event from Stripe, stored once (unique `stripe_event_id`) and processed once
    (the worker claims it by moving `state` from received to processing)."""

    __tablename__ = "billing_stripe_event"
    __table_args__ = (
        CheckConstraint(_one_of("state", EVENT_STATES), name="state"),
        Index("ix_billing_stripe_event_state_received_at", "state", "received_at"),
    )

    stripe_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)  # Stripe's timestamp of the event
    livemode: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="received")
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
