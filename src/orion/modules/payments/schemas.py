"""Payments DTOs: what the API reads and answers."""

from __future__ import annotations

import enum
import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator

from orion.kernel.data.money import MinorUnits
from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null


class Provider(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


class PaymentState(enum.StrEnum):
    PENDING = "pending"  # waiting for the customer (card details, the transfer)
    REQUIRES_ACTION = "requires_action"  # the customer must authenticate (3-D Secure)
    AUTHORISED = "authorised"  # the money is held, nothing captured yet
    PARTIALLY_CAPTURED = "partially_captured"  # some captured, more may be
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELED = "canceled"
    FAILED = "failed"  # declined; the customer may try another card


class OperationKind(enum.StrEnum):
    CAPTURE = "capture"
    REFUND = "refund"


PositiveAmount = Annotated[MinorUnits, Field(gt=0)]


# -- accounts --------------------------------------------------------------------------------


def _stripe_key(prefixes: tuple[str, ...]) -> Any:
    def check(value: SecretStr | str | None) -> Any:
        if value is None:
            return value
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not text.startswith(prefixes):
            raise ValueError(f"must start with {' or '.join(prefixes)}")
        return value

    return AfterValidator(check)


class StripeAccountUpdate(BaseModel):
    """The tenant's Stripe keys; a key left out stays as it is."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    secret_key: Annotated[SecretStr | None, Field(max_length=255), _stripe_key(("sk_", "rk_"))] = (
        None
    )
    webhook_secret: Annotated[SecretStr | None, Field(max_length=255), _stripe_key(("whsec_",))] = (
        None
    )
    publishable_key: Annotated[str | None, Field(max_length=200), _stripe_key(("pk_",))] = None
    enabled: bool | None = None

    _required = not_null("enabled")  # left out: unchanged; the account is on or off, not null


class StripeAccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    secret_key_hint: str
    has_webhook_secret: bool
    publishable_key: str | None
    enabled: bool
    updated_at: datetime


_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


class BankAccountUpdate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    account_holder: str = Field(min_length=1, max_length=200)
    iban: str = Field(max_length=42)
    bic: str | None = Field(default=None, max_length=11)
    bank_name: str | None = Field(default=None, max_length=200)
    note: str | None = Field(  # instructions for the customer, over several lines
        default=None, max_length=1000, json_schema_extra={"multiline": True}
    )
    enabled: bool = True

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        compact = value.replace(" ", "").upper()
        if not _IBAN.match(compact):
            raise ValueError("is not an IBAN (two letters, two digits, then the account)")
        rearranged = compact[4:] + compact[:4]
        if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
            raise ValueError("has a wrong check number: a character was mistyped")
        return compact

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.replace(" ", "").upper()
        if not _BIC.match(value):
            raise ValueError("is not a BIC (8 or 11 letters and digits)")
        return value


class BankAccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_holder: str
    iban: str
    bic: str | None
    bank_name: str | None
    note: str | None
    enabled: bool


class AccountsPublic(BaseModel):
    stripe: StripeAccountPublic | None
    bank_transfer: BankAccountPublic | None


# -- payments --------------------------------------------------------------------------------


class PaymentStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Provider


class PaymentConfirm(BaseModel):
    """A server-side confirmation, for clients without Stripe.js."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    payment_method: str = Field(min_length=3, max_length=255, pattern=r"^pm_[A-Za-z0-9_]+$")
    return_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")


class CaptureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveAmount | None = Field(
        default=None, description="What to capture; the rest of the authorisation if omitted"
    )
    final: bool = Field(
        default=False, description="Release what is left of the authorisation after this one"
    )


class RefundCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    amount: PositiveAmount | None = Field(
        default=None, description="What to give back; all that was captured and not refunded"
    )
    reason: str | None = Field(default=None, max_length=500)


class TransferReceived(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    amount: PositiveAmount | None = Field(
        default=None, description="What came in; all that is still expected if omitted"
    )
    reference: str | None = Field(default=None, max_length=200)


class BankInstructions(BaseModel):
    """What the customer needs to make the transfer."""

    account_holder: str
    iban: str
    bic: str | None
    bank_name: str | None
    reference: str
    amount: int
    currency: str
    note: str | None


class OperationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: OperationKind
    state: str
    amount: int
    idempotency_key: str
    source: str
    final: bool
    provider_reference: str | None
    reason: str | None
    actor: str | None
    created_at: datetime
    completed_at: datetime | None


class PaymentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    order_id: uuid.UUID
    provider: Provider
    state: PaymentState
    currency: str
    amount: int
    authorised_amount: int
    capturable_amount: int
    captured_amount: int
    refunded_amount: int
    provider_reference: str | None
    failure_code: str | None
    failure_message: str | None
    started_by: str | None
    created_at: datetime
    updated_at: datetime


PaymentsPublic = Listing[PaymentPublic]


class PaymentDetailPublic(PaymentPublic):
    operations: list[OperationPublic]


class OperationResultPublic(BaseModel):
    """A capture or refund: the operation, and the payment as it stands after it."""

    operation: OperationPublic
    payment: PaymentPublic
    replayed: bool = False


class StorefrontPaymentPublic(BaseModel):
    """A payment as the paying customer sees it."""

    id: uuid.UUID
    provider: Provider
    state: PaymentState
    amount: int
    currency: str
    captured_amount: int
    refunded_amount: int
    # Stripe: what Stripe.js confirms with (while the payment waits for the customer).
    client_secret: str | None = None
    publishable_key: str | None = None
    provider_reference: str | None = None
    # Stripe, 3-D Secure: where to send the customer.
    next_action: dict[str, Any] | None = None
    instructions: BankInstructions | None = None
    failure_message: str | None = None


class StorefrontPaymentsPublic(BaseModel):
    order_id: uuid.UUID
    payments: list[StorefrontPaymentPublic]


class WebhookReceipt(BaseModel):
    received: bool
    duplicate: bool = False
    event_id: str | None = None
    state: str | None = None
