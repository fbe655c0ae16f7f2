"""What every provider offers, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Credentials:
    """A tenant's keys for one call, opened from their sealed form just before it."""

    secret_key: str | None = None
    webhook_secret: str | None = None
    publishable_key: str | None = None


@dataclass(frozen=True)
class Remote:
    """What the provider says about a payment after a call (None: it did not say)."""

    reference: str | None = None
    status: str | None = None
    authorised: int | None = None  # held for us: capturable + captured
    capturable: int | None = None
    captured: int | None = None
    refunded: int | None = None
    client_secret: str | None = None
    next_action: dict[str, Any] | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    # A refund's own id at the provider.
    operation_reference: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str
    # True when the provider is a remote system (its calls may fail, time out, be slow).
    remote: bool

    def start(
        self,
        credentials: Credentials,
        *,
        payment_id: str,
        amount: int,
        currency: str,
        metadata: dict[str, str],
        description: str,
    ) -> Remote: ...

    def confirm(
        self,
        credentials: Credentials,
        *,
        reference: str,
        payment_method: str,
        return_url: str | None,
        key: str,
    ) -> Remote: ...

    def capture(
        self, credentials: Credentials, *, reference: str, amount: int, final: bool, key: str
    ) -> Remote: ...

    def cancel(self, credentials: Credentials, *, reference: str, key: str) -> Remote: ...

    def refund(
        self,
        credentials: Credentials,
        *,
        reference: str,
        amount: int,
        key: str,
        metadata: dict[str, str],
    ) -> Remote: ...

    def retrieve(self, credentials: Credentials, *, reference: str) -> Remote: ...
