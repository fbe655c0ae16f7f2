"""Payments errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import (
    BadRequest,
    Conflict,
    FieldError,
    InternalError,
    NotFound,
    OrionError,
    PaymentRequired,
    TransientError,
    ValidationFailed,
)


class PaymentsError(OrionError):
    code = "payments_error"


class PaymentNotFound(PaymentsError, NotFound):
    code = "payment_not_found"


class PaymentInvalid(PaymentsError, ValidationFailed):
    """Bad input, naming the field."""

    code = "validation_failed"

    @classmethod
    def field(cls, name: str, message: str, **extra: object) -> PaymentInvalid:
        return cls(f"{name} {message}", errors=[FieldError(name, message)], **extra)


class AmountTooLarge(PaymentInvalid):
    """A capture beyond what is still authorised, a refund beyond what was captured."""

    code = "amount_too_large"

    def __init__(self, message: str, *, available: int, requested: int) -> None:
        super().__init__(
            f"amount {message}",
            errors=[FieldError("amount", message)],
            available=available,
            requested=requested,
        )


class IdempotencyKeyRequired(PaymentsError, BadRequest):
    code = "idempotency_key_required"

    def __init__(self, action: str) -> None:
        super().__init__(
            f"a {action} needs an Idempotency-Key header, so that a retried request is "
            "applied once",
            errors=[FieldError("Idempotency-Key", "is required", "missing")],
        )


class IdempotencyKeyReused(PaymentsError, Conflict):
    code = "idempotency_key_reused"

    def __init__(self, key: str, *, amount: int) -> None:
        super().__init__(
            f"the Idempotency-Key {key!r} was used for an operation of {amount}; "
            "use a new key for another amount",
            amount=amount,
        )


class PaymentActionNotAllowed(PaymentsError, Conflict):
    """The payment's provider or state does not allow the step."""

    code = "payment_action_not_allowed"

    def __init__(self, message: str, *, state: str) -> None:
        super().__init__(message, current_state=state)


class PaymentInProgress(PaymentsError, Conflict):
    """Another request is starting this order's payment at the same moment."""

    code = "payment_in_progress"


class OrderNotPayable(PaymentsError, Conflict):
    code = "order_not_payable"

    def __init__(self, message: str, *, state: str) -> None:
        super().__init__(message, order_state=state)


class ProviderNotConfigured(PaymentsError, Conflict):
    """The store's tenant has not set this provider up (keys, bank account)."""

    code = "payment_provider_not_configured"


class ProviderUnavailable(PaymentsError, TransientError):
    """The provider did not answer (connection, timeout, its own 5xx): try again, with the
    same Idempotency-Key, and the operation is applied once."""

    code = "payment_provider_unavailable"


class ProviderRefused(PaymentsError):
    """The provider answered no (a state it does not allow, a bad parameter)."""

    status = 502
    code = "payment_provider_refused"


class PaymentDeclined(PaymentsError, PaymentRequired):
    """The customer's card (or bank) declined."""

    code = "payment_declined"


class WebhookSignatureInvalid(PaymentsError, BadRequest):
    code = "webhook_signature_invalid"


class WebhookMalformed(PaymentsError, BadRequest):
    code = "webhook_malformed"


class SecretUnreadable(PaymentsError, InternalError):
    """No configured encryption key opens a stored Stripe key."""

    code = "secret_unreadable"
