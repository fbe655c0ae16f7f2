"""Stripe through the official SDK: PaymentIntents with manual capture, and refunds.

Every call that changes something carries an idempotency key derived from Orion's own
(`orion:<what>:<payment>:<key>`), so a retried request, or a capture asked again after a
timeout, is applied by Stripe once. Stripe's errors become Orion's: no answer, 429 and 5xx
are `ProviderUnavailable` (503: try again with the same key), a declined card is
`PaymentDeclined` (402), other refusals `ProviderRefused` (502).

Partial captures: `final_capture=false` keeps the rest of the authorisation capturable
(Stripe's multicapture); the last capture, or one marked final, releases what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import structlog

from orion.modules.payments.exceptions import (
    PaymentDeclined,
    ProviderNotConfigured,
    ProviderRefused,
    ProviderUnavailable,
)
from orion.modules.payments.providers.base import Credentials, Remote
from orion.modules.payments.settings import PaymentsSettings

if TYPE_CHECKING:
    import stripe

log = structlog.get_logger(__name__)

AUTHORISED = ("requires_capture", "succeeded")


@lru_cache(maxsize=64)
def _client(api_key: str, base: str | None, timeout: float, retries: int) -> stripe.StripeClient:
    import stripe  # imported with the first call to Stripe, not with the module

    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base} if base else None,
        max_network_retries=retries,
        http_client=stripe.new_default_http_client(timeout=timeout),
    )


def intent_remote(intent: dict[str, Any]) -> Remote:
    """A PaymentIntent (an answer, or a webhook's object) as amounts and a status."""
    status = intent.get("status")
    received = int(intent.get("amount_received") or 0)
    capturable = int(intent.get("amount_capturable") or 0)
    authorised = int(intent.get("amount") or 0) if status in AUTHORISED or received else None
    error = intent.get("last_payment_error") or {}
    return Remote(
        reference=intent.get("id"),
        status=status,
        authorised=authorised,
        capturable=capturable if authorised is not None or status == "canceled" else None,
        captured=received,
        client_secret=intent.get("client_secret"),
        next_action=intent.get("next_action"),
        failure_code=error.get("decline_code") or error.get("code"),
        failure_message=error.get("message"),
    )


def charge_remote(charge: dict[str, Any]) -> Remote:
    """A charge (a webhook's object): what was captured and refunded on it."""
    return Remote(
        reference=charge.get("payment_intent"),
        captured=int(charge.get("amount_captured") or 0),
        refunded=int(charge.get("amount_refunded") or 0),
    )


class StripeProvider:
    name = "stripe"
    remote = True

    def __init__(self, settings: PaymentsSettings) -> None:
        self.settings = settings

    def _call(self, credentials: Credentials, what: str, operation: Callable[[Any], Any]) -> Any:
        import stripe

        if not credentials.secret_key:
            raise ProviderNotConfigured("the store's Stripe account has no secret key")
        client = _client(
            credentials.secret_key,
            str(self.settings.stripe_api_base).rstrip("/")
            if self.settings.stripe_api_base
            else None,
            self.settings.stripe_timeout_seconds,
            self.settings.stripe_max_retries,
        )
        try:
            answer = operation(client)
            return answer.to_dict() if hasattr(answer, "to_dict") else answer
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise ProviderUnavailable(
                f"Stripe could not be reached to {what}; try again with the same "
                f"Idempotency-Key ({exc.user_message or type(exc).__name__})"
            ) from None
        except stripe.IdempotencyError:
            raise ProviderUnavailable(
                f"Stripe is still working on this request to {what}; try again in a moment"
            ) from None
        except stripe.CardError as exc:
            error = exc.error
            raise PaymentDeclined(
                f"the card was declined: {exc.user_message or 'try another card'}",
                decline_code=getattr(error, "decline_code", None) or exc.code,
            ) from None
        except stripe.StripeError as exc:
            status = exc.http_status or 0
            if status >= 500:
                raise ProviderUnavailable(
                    f"Stripe failed to {what} ({status}); try again with the same Idempotency-Key"
                ) from None
            log.warning("stripe_refused", what=what, status=status, message=str(exc))
            raise ProviderRefused(
                f"Stripe refused to {what}: {exc.user_message or exc}",
                stripe_status=status,
                stripe_code=exc.code,
            ) from None

    def start(
        self,
        credentials: Credentials,
        *,
        payment_id: str,
        amount: int,
        currency: str,
        metadata: dict[str, str],
        description: str,
    ) -> Remote:
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "capture_method": "manual",
            "metadata": metadata,
            "description": description,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        }
        intent = self._call(
            credentials,
            "start the payment",
            lambda c: c.v1.payment_intents.create(
                params, {"idempotency_key": f"orion:start:{payment_id}"}
            ),
        )
        return intent_remote(intent)

    def confirm(
        self,
        credentials: Credentials,
        *,
        reference: str,
        payment_method: str,
        return_url: str | None,
        key: str,
    ) -> Remote:
        params: dict[str, Any] = {"payment_method": payment_method}
        if return_url:
            params["return_url"] = return_url
        intent = self._call(
            credentials,
            "confirm the payment",
            lambda c: c.v1.payment_intents.confirm(reference, params, {"idempotency_key": key}),
        )
        return intent_remote(intent)

    def capture(
        self, credentials: Credentials, *, reference: str, amount: int, final: bool, key: str
    ) -> Remote:
        intent = self._call(
            credentials,
            "capture the payment",
            lambda c: c.v1.payment_intents.capture(
                reference,
                {"amount_to_capture": amount, "final_capture": final},
                {"idempotency_key": key},
            ),
        )
        return intent_remote(intent)

    def cancel(self, credentials: Credentials, *, reference: str, key: str) -> Remote:
        intent = self._call(
            credentials,
            "cancel the payment",
            lambda c: c.v1.payment_intents.cancel(
                reference,
                {"cancellation_reason": "requested_by_customer"},
                {"idempotency_key": key},
            ),
        )
        return intent_remote(intent)

    def refund(
        self,
        credentials: Credentials,
        *,
        reference: str,
        amount: int,
        key: str,
        metadata: dict[str, str],
    ) -> Remote:
        refund = self._call(
            credentials,
            "refund the payment",
            lambda c: c.v1.refunds.create(
                {"payment_intent": reference, "amount": amount, "metadata": metadata},
                {"idempotency_key": key},
            ),
        )
        return Remote(reference=reference, operation_reference=refund.get("id"))

    def retrieve(self, credentials: Credentials, *, reference: str) -> Remote:
        intent = self._call(
            credentials,
            "read the payment",
            lambda c: c.v1.payment_intents.retrieve(reference),
        )
        return intent_remote(intent)
