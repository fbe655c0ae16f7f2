"""Credits schemas. Seed names kept: CreditTransaction (the model), CreditTransactionCreate,
CreditTransactionPublic. Amounts are integers in the smallest credit unit."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orion.kernel.data.paging import Listing

# Up to 9.2e18 fits the BIGINT columns; a single movement is kept far below that.
MAX_AMOUNT = 10**15

PositiveAmount = Annotated[int, Field(gt=0, le=MAX_AMOUNT, strict=True)]
NonNegativeAmount = Annotated[int, Field(ge=0, le=MAX_AMOUNT, strict=True)]


class TransactionKind(StrEnum):
    PURCHASE = "purchase"
    GRANT = "grant"
    ADJUSTMENT = "adjustment"
    DEDUCT = "deduct"
    REFUND = "refund"
    HOLD = "hold"
    SETTLE = "settle"
    RELEASE = "release"


class HoldState(StrEnum):
    OPEN = "open"
    SETTLED = "settled"
    RELEASED = "released"
    EXPIRED = "expired"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreditTransactionCreate(_Strict):
    """Credits added to a tenant: a purchase, or a grant (a plan's included credits, a
    gesture). `reference` ties it to the caller's record (an invoice, a subscription)."""

    kind: TransactionKind = TransactionKind.GRANT
    amount: PositiveAmount
    reason: str = Field(min_length=1, max_length=500)
    reference: str | None = Field(default=None, max_length=200)

    @field_validator("kind")
    @classmethod
    def _only_credits(cls, kind: TransactionKind) -> TransactionKind:
        if kind not in (TransactionKind.PURCHASE, TransactionKind.GRANT):
            raise ValueError("kind must be purchase or grant")
        return kind


class CreditAdjustmentCreate(_Strict):
    """An operator's correction, up or down; the reason is kept in the ledger."""

    amount: int = Field(strict=True, ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    reason: str = Field(min_length=3, max_length=500)

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, amount: int) -> int:
        if amount == 0:
            raise ValueError("an adjustment moves a non-zero amount")
        return amount


class CreditDeductionCreate(_Strict):
    amount: PositiveAmount
    reason: str | None = Field(default=None, max_length=500)
    reference: str | None = Field(default=None, max_length=200)


class CreditRefundCreate(_Strict):
    """Give back (part of) a charge: a deduction or a settled hold's settle entry."""

    transaction_id: uuid.UUID
    amount: PositiveAmount
    reason: str | None = Field(default=None, max_length=500)


class CreditHoldCreate(_Strict):
    amount: PositiveAmount
    reason: str | None = Field(default=None, max_length=500)
    reference: str | None = Field(default=None, max_length=200)
    # Released by the `credits.release_expired_holds` task when left open this long.
    expires_in_seconds: int | None = Field(default=None, ge=1, le=7 * 24 * 3600)


class CreditHoldSettle(_Strict):
    """The actual cost: the rest of the hold is released; a cost above the hold is
    charged on top as far as the balance allows (the remainder recorded as uncollected)."""

    amount: NonNegativeAmount


class CreditTransactionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: TransactionKind
    amount: int
    balance_after: int
    refundable: int
    reason: str | None
    reference: str | None
    hold_id: uuid.UUID | None
    refund_of_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    idempotency_key: str
    details: dict[str, Any] | None
    created_at: datetime


CreditTransactionsPublic = Listing[CreditTransactionPublic]


class CreditHoldPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    amount: int
    state: HoldState
    settled_amount: int | None
    uncollected: int
    reason: str | None
    reference: str | None
    expires_at: datetime
    closed_at: datetime | None
    created_at: datetime


CreditHoldsPublic = Listing[CreditHoldPublic]


class CreditBalancePublic(BaseModel):
    """`balance` is what the tenant can spend; `held` is reserved by open holds (already
    taken from the balance, given back in part or whole when they close)."""

    tenant_id: uuid.UUID
    balance: int
    held: int
    low_balance_threshold: int | None


class CreditSettingsUpdate(_Strict):
    """`low_balance_threshold`: announce `credits.balance_low` when a debit takes the
    balance below it; null turns the announcement off."""

    low_balance_threshold: NonNegativeAmount | None


class LedgerCheck(BaseModel):
    """One tenant's balance against the sum of its ledger."""

    tenant_id: uuid.UUID
    balance: int
    ledger_sum: int
    open_holds: int

    @property
    def ok(self) -> bool:
        return self.balance == self.ledger_sum
