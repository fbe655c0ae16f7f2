"""Billing errors, each with a stable problem `code`."""

from __future__ import annotations

from typing import Any

from orion.kernel.errors import (
    BadRequest,
    Conflict,
    NotFound,
    OrionError,
    PaymentRequired,
    ServiceUnavailable,
    TransientError,
    ValidationFailed,
)


class BillingError(OrionError):
    code = "billing_error"


class PlanNotFound(NotFound):
    code = "plan_not_found"


class PlanCodeTaken(Conflict):
    code = "plan_code_taken"


class PlanInUse(Conflict):
    code = "plan_in_use"


class PlanUnavailable(ValidationFailed):
    """An unknown, retired or other platform's plan was asked for."""

    code = "plan_unavailable"


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class AlreadySubscribed(Conflict):
    code = "already_subscribed"


class SubscriptionNotChangeable(Conflict):
    code = "subscription_not_changeable"


class CurrencyMismatch(ValidationFailed):
    code = "currency_mismatch"


class PlanLimitReached(PaymentRequired):
    """One more would go over the plan's limit: names the limit, the use and the maximum."""

    code = "plan_limit_reached"

    def __init__(self, *, limit: str, current: int, maximum: int, plan: str, **extra: Any) -> None:
        super().__init__(
            f"the {plan} plan allows {maximum} {limit.replace('_', ' ')}; "
            f"{current} are in use. Upgrade the plan to add more.",
            limit=limit,
            current=current,
            maximum=maximum,
            plan=plan,
            **extra,
        )


class StripeNotConfigured(ServiceUnavailable):
    code = "stripe_not_configured"


class StripeUnavailable(TransientError):
    """Stripe could not be reached or answered 5xx/429: worth another try."""

    code = "stripe_unavailable"


class StripeRefused(BillingError):
    """Stripe refused the request (a 4xx other than 429): the message says why."""

    status = 502
    code = "stripe_refused"


class WebhookSignatureInvalid(BadRequest):
    code = "webhook_signature_invalid"


class WebhookMalformed(BadRequest):
    code = "webhook_malformed"
