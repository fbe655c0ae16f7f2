"""Payments models: the tenant's provider accounts, payments per order, their captures and
refunds (operations keyed by idempotency key) and the provider webhooks received.

Amounts are integers in the payment's currency's minor unit. A payment keeps four of them:
`authorised_amount` (what the provider holds for us, or what a bank transfer asks for),
`capturable_amount` (what may still be captured: it only goes down once authorised),
`captured_amount` and `refunded_amount` (they only go up). Its `state` follows from them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, JSONType, TenantScoped, Timestamps, UUIDPrimaryKey


class StripeAccount(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """The tenant's own Stripe account: customers pay the merchant, not the platform. The
    secret key and the webhook signing secret are stored sealed (the kernel's SecretBox)."""

    __tablename__ = "payments_stripe_account"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    secret_key_sealed: Mapped[str] = mapped_column(Text)
    secret_key_hint: Mapped[str] = mapped_column(String(20))
    webhook_secret_sealed: Mapped[str | None] = mapped_column(Text)
    publishable_key: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)


class BankAccount(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """Where bank transfers go: shown to the customer with the payment's reference."""

    __tablename__ = "payments_bank_account"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    account_holder: Mapped[str] = mapped_column(String(200))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    enabled: Mapped[bool] = mapped_column(default=True)


class Payment(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One attempt to pay an order with one provider."""

    __tablename__ = "payments_payment"
    __table_args__ = (
        UniqueConstraint("provider", "provider_reference"),
        Index("ix_payments_payment_store_id_created_at", "store_id", "created_at"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "captured_amount >= 0 AND refunded_amount >= 0 AND refunded_amount <= captured_amount",
            name="refunds_within_captures",
        ),
        CheckConstraint(
            "capturable_amount >= 0 AND authorised_amount >= 0", name="amounts_not_negative"
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_store.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_order.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(24), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # what the customer was asked to pay
    authorised_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    capturable_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    # Stripe: the PaymentIntent's id; bank transfer: the reference the customer writes.
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    failure_code: Mapped[str | None] = mapped_column(String(100))
    failure_message: Mapped[str | None] = mapped_column(String(1000))
    # Who started it: "customer:<id>", "storefront", "user:<id>".
    started_by: Mapped[str | None] = mapped_column(String(200))


class PaymentOperation(UUIDPrimaryKey, TenantScoped, Base):
    """A capture or a refund. Written `pending` before the provider is called and
    `succeeded` after it answered; one row per (payment, kind, idempotency key), so a
    retried request finds its row instead of making a second one."""

    __tablename__ = "payments_operation"
    __table_args__ = (
        UniqueConstraint("payment_id", "kind", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payments_operation_state_created_at", "state", "created_at"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments_payment.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # capture | refund
    state: Mapped[str] = mapped_column(String(10))  # pending | succeeded
    amount: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    # Where it came from: "api", "console", "provider" (seen in the provider's amounts).
    source: Mapped[str] = mapped_column(String(20))
    final: Mapped[bool] = mapped_column(default=False)  # a capture releasing the rest
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()


class WebhookEvent(UUIDPrimaryKey, TenantScoped, Base):
    """A provider's webhook, stored once (unique by the provider's event id)."""

    __tablename__ = "payments_webhook_event"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)  # the provider's clock (unix seconds)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payments_payment.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(12))  # processed | ignored | failed
    error: Mapped[str | None] = mapped_column(String(4000))
    received_at: Mapped[datetime] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
