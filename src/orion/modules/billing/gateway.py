"""Stripe through the official SDK: one `StripeClient` per configuration, errors translated.

Every call that creates something at Stripe sends an idempotency key derived from what it
is for, so a retried request (a task retry, a network error after Stripe acted) never
creates a second customer or subscription.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import structlog

from orion.modules.billing.exceptions import StripeNotConfigured, StripeRefused, StripeUnavailable
from orion.modules.billing.settings import BillingSettings

if TYPE_CHECKING:
    import stripe

log = structlog.get_logger(__name__)


def configured(settings: BillingSettings) -> bool:
    return settings.stripe_api_key is not None


def client(settings: BillingSettings) -> stripe.StripeClient:
    if settings.stripe_api_key is None:
        raise StripeNotConfigured(
            "Stripe is not configured (ORION_MODULES__BILLING__STRIPE_API_KEY)"
        )
    return _client(
        settings.stripe_api_key.get_secret_value(),
        str(settings.stripe_api_base).rstrip("/") if settings.stripe_api_base else None,
        settings.stripe_timeout_seconds,
        settings.stripe_max_retries,
    )


@lru_cache(maxsize=16)
def _client(api_key: str, base: str | None, timeout: float, retries: int) -> stripe.StripeClient:
    import stripe  # imported with the first call to Stripe, not with the billing module

    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base} if base else None,
        max_network_retries=retries,
        http_client=stripe.new_default_http_client(timeout=timeout),
    )


def call(settings: BillingSettings, what: str, operation: Any) -> Any:
    """Run `operation(client)` and answer its object as a plain dict; Stripe's errors become
    Orion's (transient or refused)."""
    import stripe

    try:
        result = operation(client(settings))
        if not hasattr(result, "to_dict"):
            return result
        answer = result.to_dict()
        read_at = _server_time(getattr(result, "last_response", None))
        if read_at is not None:
            answer[READ_AT] = read_at
        return answer
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise StripeUnavailable(
            f"Stripe could not be reached to {what}: {exc.user_message or exc}"
        ) from None
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        if status >= 500:
            raise StripeUnavailable(f"Stripe failed to {what} ({status}); try again") from None
        log.warning("stripe_refused", what=what, status=status, message=str(exc))
        raise StripeRefused(
            f"Stripe refused to {what}: {exc.user_message or exc}", stripe_status=status
        ) from None


# Stripe's clock when it answered (its `Date` header), in the answer under this key: what
# was read is as new as an event `created` at that second, on the same clock, so clock skew
# between Orion and Stripe never orders a read against an event.
READ_AT = "_orion_read_at"


def _server_time(response: Any) -> int | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Date") or headers.get("date")
    if not value:
        return None
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError):
        return None


# -- the calls billing makes -------------------------------------------------------------------


def create_customer(
    settings: BillingSettings, *, tenant_id: str, name: str | None, email: str | None
) -> Any:
    params: dict[str, Any] = {"metadata": {"tenant_id": tenant_id}}
    if name:
        params["name"] = name
    if email:
        params["email"] = email
    return call(
        settings,
        "create a customer",
        lambda c: c.v1.customers.create(params, {"idempotency_key": f"orion-customer-{tenant_id}"}),
    )


def create_subscription(
    settings: BillingSettings,
    *,
    customer: str,
    price: str,
    trial_days: int,
    metadata: dict[str, str],
    idempotency_key: str,
) -> Any:
    params: dict[str, Any] = {
        "customer": customer,
        "items": [{"price": price}],
        "metadata": metadata,
        "payment_behavior": "default_incomplete",
    }
    if trial_days:
        params["trial_period_days"] = trial_days
    return call(
        settings,
        "create a subscription",
        lambda c: c.v1.subscriptions.create(params, {"idempotency_key": idempotency_key}),
    )


def retrieve_subscription(settings: BillingSettings, subscription_id: str) -> Any:
    return call(
        settings,
        "read a subscription",
        lambda c: c.v1.subscriptions.retrieve(subscription_id),
    )


def change_price(
    settings: BillingSettings, *, subscription_id: str, item_id: str | None, price: str
) -> Any:
    item: dict[str, Any] = {"price": price}
    if item_id:
        item["id"] = item_id
    return call(
        settings,
        "change the subscription's plan",
        lambda c: c.v1.subscriptions.update(
            subscription_id, {"items": [item], "proration_behavior": "create_prorations"}
        ),
    )


def set_cancel_at_period_end(settings: BillingSettings, subscription_id: str, value: bool) -> Any:
    return call(
        settings,
        "schedule the cancellation" if value else "resume the subscription",
        lambda c: c.v1.subscriptions.update(subscription_id, {"cancel_at_period_end": value}),
    )


def cancel_now(settings: BillingSettings, subscription_id: str) -> Any:
    return call(
        settings,
        "cancel the subscription",
        lambda c: c.v1.subscriptions.cancel(subscription_id, {"prorate": True}),
    )


def create_checkout_session(settings: BillingSettings, params: dict[str, Any]) -> Any:
    return call(
        settings, "open a checkout session", lambda c: c.v1.checkout.sessions.create(params)
    )


def construct_event(settings: BillingSettings, payload: bytes, signature: str | None) -> Any:
    """Verify the signature on the raw body and parse it (raises stripe's errors)."""
    if settings.stripe_webhook_secret is None:
        raise StripeNotConfigured(
            "no webhook signing secret (ORION_MODULES__BILLING__STRIPE_WEBHOOK_SECRET)"
        )
    import stripe

    return stripe.Webhook.construct_event(
        payload,
        signature,
        settings.stripe_webhook_secret.get_secret_value(),
        tolerance=settings.webhook_tolerance_seconds,
    )
