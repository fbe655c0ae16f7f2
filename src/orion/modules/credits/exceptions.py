"""Credits errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import Conflict, NotFound, OrionError, PaymentRequired


class CreditsError(OrionError):
    code = "credits_error"


class InsufficientCredits(CreditsError, PaymentRequired):
    """Answered with the balance and what the call needed, so a client can top up."""

    code = "insufficient_credits"

    def __init__(self, *, balance: int, required: int) -> None:
        super().__init__(
            f"insufficient credits: the balance is {balance}, this needs {required}",
            balance=balance,
            required=required,
        )


class IdempotencyKeyReused(CreditsError, Conflict):
    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was used for a different request",
            idempotency_key=key,
        )


class TransactionNotFound(CreditsError, NotFound):
    code = "credit_transaction_not_found"


class HoldNotFound(CreditsError, NotFound):
    code = "credit_hold_not_found"


class HoldClosed(CreditsError, Conflict):
    code = "credit_hold_closed"

    def __init__(self, state: str) -> None:
        super().__init__(f"the hold is already {state}", state=state)


class NotRefundable(CreditsError, Conflict):
    code = "credit_not_refundable"

    def __init__(self, *, refundable: int, requested: int) -> None:
        super().__init__(
            f"only {refundable} of this charge can still be refunded, not {requested}",
            refundable=refundable,
            requested=requested,
        )
