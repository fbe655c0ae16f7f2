"""Customers models: a store's customers, their addresses, storefront sign-in sessions and
password reset tokens.

A customer's email is stored normalised (lower case), unique per store, and a check
constraint keeps it lower case, so the plain unique index is case-insensitive on SQLite and
PostgreSQL alike. A customer without a password (created by staff, at a guest checkout)
sets one through a password reset. An erased customer keeps its row (orders point at it)
with every personal field gone and a placeholder address.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, Timestamps, UUIDPrimaryKey, utcnow


def _customer_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"), index=True)


class Customer(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One customer of one store."""

    __tablename__ = "customers_customer"
    __table_args__ = (
        UniqueConstraint("store_id", "email"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_store.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    hashed_password: Mapped[str | None] = mapped_column(String(255))
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    # When the consent was given (proof of it); None without consent.
    marketing_consent_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def has_password(self) -> bool:
        return self.hashed_password is not None


class CustomerAddress(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A billing or shipping address of a customer; at most one default of each kind."""

    __tablename__ = "customers_address"
    __table_args__ = (
        CheckConstraint("kind IN ('billing', 'shipping')", name="kind_known"),
        Index(
            "uq_customers_address_one_default",
            "customer_id",
            "kind",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    customer_id: Mapped[uuid.UUID] = _customer_fk()
    kind: Mapped[str] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(40))


class CustomerSession(UUIDPrimaryKey, TenantScoped, Base):
    """A storefront sign-in: the customer's tokens name it (`sid`); revoking it (sign-out,
    a new password, deactivation, erasure) ends them at once."""

    __tablename__ = "customers_session"

    customer_id: Mapped[uuid.UUID] = _customer_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(40))


class CustomerPasswordResetToken(UUIDPrimaryKey, TenantScoped, Base):
    """A single-use, expiring token mailed to a customer; only its SHA-256 is stored."""

    __tablename__ = "customers_password_reset_token"

    customer_id: Mapped[uuid.UUID] = _customer_fk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
