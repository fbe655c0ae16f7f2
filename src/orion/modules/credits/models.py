"""Credits models: one account per tenant (its balance) and the append-only ledger.

Amounts are integers in the smallest credit unit. A credit (positive) or debit (negative)
changes the account's `balance` in one conditional UPDATE and appends one transaction
whose `amount` is that change, so `balance` always equals the sum of the tenant's ledger
(`orion credits verify` proves it). A hold debits its amount at once; settling it credits
back what was not used (`settle`), releasing it credits back all of it (`release`).
After changing a model: `orion db revision --module credits -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, Timestamps, UUIDPrimaryKey, utcnow

KINDS = ("purchase", "grant", "adjustment", "deduct", "refund", "hold", "settle", "release")
HOLD_STATES = ("open", "settled", "released", "expired")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CreditAccount(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A tenant's balance, and the threshold under which it is announced as low."""

    __tablename__ = "credits_account"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("low_balance_threshold >= 0", name="threshold_not_negative"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column()  # the unique constraint indexes it
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    low_balance_threshold: Mapped[int | None] = mapped_column(BigInteger)


class CreditTransaction(UUIDPrimaryKey, TenantScoped, Base):
    """One movement of a tenant's balance. Never updated, except `refundable` (what is left
    to refund of a charge) and never deleted."""

    __tablename__ = "credits_transaction"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index("ix_credits_transaction_tenant_id_created_at", "tenant_id", "created_at"),
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint("refundable >= 0", name="refundable_not_negative"),
    )

    # Indexed by the (tenant_id, created_at) index and the unique key; no index of its own.
    tenant_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed: + credits, - debits
    balance_after: Mapped[int] = mapped_column(BigInteger)
    # What of this charge may still be refunded (deduct, settled hold); 0 for the others.
    refundable: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str | None] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(200), index=True)
    hold_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    refund_of_id: Mapped[uuid.UUID | None]
    actor_id: Mapped[uuid.UUID | None]
    idempotency_key: Mapped[str] = mapped_column(String(200))
    # Digest of the call's parameters: the same key with other parameters is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditHold(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """An amount reserved for work whose cost is known later (an AI call). Its ledger
    entries (kind hold, then settle or release) carry `hold_id`; the hold entry carries the
    caller's idempotency key."""

    __tablename__ = "credits_hold"
    __table_args__ = (
        Index("ix_credits_hold_state_expires_at", "state", "expires_at"),
        CheckConstraint(_one_of("state", HOLD_STATES), name="state"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    amount: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="open")
    # The cost charged when settled; may exceed `amount` when the work cost more than held.
    settled_amount: Mapped[int | None] = mapped_column(BigInteger)
    # Part of the cost that could not be charged (the balance ran out after the hold).
    uncollected: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str | None] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
