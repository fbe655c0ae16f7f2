"""Billing schemas. The seed's names are kept: SubscriptionPlan{Base,Create,Update,Public},
SubscriptionPlansPublic and UserSubscription{Base,Create,Update,Public}.

Money is `amount` in the currency's minor unit (cents) plus an ISO 4217 `currency`; never a
float.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null

MAX_AMOUNT = 10**12  # ten billion in major units: far above any plan, far below BIGINT

LimitName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Currency = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{3}$"), AfterValidator(lambda v: v.upper())
]
PlanCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="In the minor unit (cents)")]
# The limits a plan may set, each checked by the module that owns what it counts: stores
# (tenancy), products (catalog), orders_per_month (orders, counted here each month).
STORES = "stores"
PRODUCTS = "products"
ORDERS_PER_MONTH = "orders_per_month"
KNOWN_LIMITS = (STORES, PRODUCTS, ORDERS_PER_MONTH)


def _known_limits(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """A limit nobody checks would promise what no module keeps: refused, at `limits.<name>`
    (so a form marks that limit), listing the limits there are."""
    if isinstance(value, dict):
        unknown = [name for name in value if name not in KNOWN_LIMITS]
        if unknown:
            raise ValidationError.from_exception_data(
                "limits",
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "unknown_limit",
                            "not a limit; the limits are {known}",
                            {"name": str(name), "known": ", ".join(KNOWN_LIMITS)},
                        ),
                        loc=(str(name),),
                        input=value[name],
                    )
                    for name in unknown
                ],
            )
    return handler(value)


Limits = Annotated[
    dict[LimitName, Annotated[int, Field(ge=0, le=10**9)]],
    WrapValidator(_known_limits),
]


class Interval(StrEnum):
    MONTH = "month"
    YEAR = "year"


class SubscriptionStatus(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    EXPIRED = "expired"


LIVE_STATUSES = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
)

# -- plans ---------------------------------------------------------------------------------


class SubscriptionPlanBase(BaseModel):
    code: PlanCode = Field(description="Stable identifier within the platform, e.g. `pro`")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(
        default=None, max_length=5000, json_schema_extra={"multiline": True}
    )
    price_amount: Amount
    currency: Currency = "EUR"
    interval: Interval = Interval.MONTH
    trial_days: int = Field(default=0, ge=0, le=365)
    features: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=100
    )
    limits: Limits = Field(
        default_factory=dict,
        description="Most a tenant may have of each (stores, products, orders_per_month; "
        "another name is refused); a limit not named is unlimited",
        json_schema_extra={"propertyNames": {"enum": list(KNOWN_LIMITS)}},
    )
    included_credits: Amount = Field(default=0, description="Credits granted each period")
    stripe_price_id: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True, description="Offered to tenants")
    is_default: bool = Field(
        default=False, description="The plan of tenants without a live subscription"
    )
    sort_order: int = Field(default=0, ge=-1000, le=1000)


class SubscriptionPlanCreate(SubscriptionPlanBase):
    pass


class SubscriptionPlanUpdate(BaseModel):
    """Only the fields given change. Price, currency and interval apply to subscriptions
    from their next period on."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(
        default=None, max_length=5000, json_schema_extra={"multiline": True}
    )
    price_amount: Amount | None = None
    currency: Currency | None = None
    interval: Interval | None = None
    trial_days: int | None = Field(default=None, ge=0, le=365)
    features: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] | None = Field(
        default=None, max_length=100
    )
    limits: Limits | None = None
    included_credits: Amount | None = None
    stripe_price_id: str | None = Field(default=None, max_length=255)
    is_active: bool | None = None
    is_default: bool | None = None
    sort_order: int | None = Field(default=None, ge=-1000, le=1000)

    # May be left out (unchanged), never null: their columns hold a value.
    _required = not_null(
        "name", "price_amount", "currency", "interval", "trial_days", "features", "limits",
        "included_credits", "is_active", "is_default", "sort_order",
    )  # fmt: skip


class SubscriptionPlanPublic(SubscriptionPlanBase):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


SubscriptionPlansPublic = Listing[SubscriptionPlanPublic]


# -- subscriptions -------------------------------------------------------------------------


class UserSubscriptionBase(BaseModel):
    plan_id: uuid.UUID = Field(description="The plan to subscribe to")


class UserSubscriptionCreate(UserSubscriptionBase):
    """Subscribe the caller's tenant; the caller is recorded as the one who took it."""


class UserSubscriptionUpdate(UserSubscriptionBase):
    """Move to another plan now; the rest of the period is prorated."""


class SubscriptionCancel(BaseModel):
    at_period_end: bool = Field(
        default=True, description="Keep it until the period ends (else end it now)"
    )


class UserSubscriptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    user_id: uuid.UUID | None
    plan_id: uuid.UUID
    status: SubscriptionStatus
    current_period_start: datetime
    current_period_end: datetime
    trial_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    ended_at: datetime | None
    past_due_since: datetime | None
    has_payment_method: bool
    stripe_customer_id: str | None
    stripe_subscription_id: str | None
    created_at: datetime
    updated_at: datetime


UserSubscriptionsPublic = Listing[UserSubscriptionPublic]


class ProrationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    amount: int = Field(description="Charged (positive) or credited (negative), minor units")
    currency: str
    from_plan_id: uuid.UUID
    to_plan_id: uuid.UUID
    period_start: datetime
    period_end: datetime
    changed_at: datetime


class PlanChangePublic(BaseModel):
    subscription: UserSubscriptionPublic
    proration: ProrationPublic


# -- usage ---------------------------------------------------------------------------------


class UsageLimitPublic(BaseModel):
    limit: str
    used: int | None = Field(description="None when no installed module counts it")
    maximum: int | None = Field(description="None: unlimited")


class UsagePublic(BaseModel):
    plan_id: uuid.UUID | None
    plan_code: str | None
    limits: list[UsageLimitPublic]


# -- Stripe sessions -----------------------------------------------------------------------


class CheckoutSessionCreate(BaseModel):
    plan_id: uuid.UUID
    success_url: str | None = Field(default=None, max_length=2000)
    cancel_url: str | None = Field(default=None, max_length=2000)


class SetupSessionCreate(BaseModel):
    success_url: str | None = Field(default=None, max_length=2000)
    cancel_url: str | None = Field(default=None, max_length=2000)


class CheckoutSessionPublic(BaseModel):
    id: str
    url: str | None
    mode: str


class WebhookReceipt(BaseModel):
    received: bool = True
    duplicate: bool = Field(description="The event was already stored; nothing more was done")
    event_id: str
