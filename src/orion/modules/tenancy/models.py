"""Platforms, tenants (merchants), their stores, memberships and invitations.

Platform and Tenant are platform-level rows (the directory itself); everything a tenant owns
(stores, memberships, invitations) is `TenantScoped`, filtered by the kernel and guarded by
row-level security on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import (
    Base,
    JSONType,
    TenantScoped,
    Timestamps,
    UUIDPrimaryKey,
    utcnow,
)


class Platform(UUIDPrimaryKey, Timestamps, Base):
    """A deployment's top level: its tenants, settings and module switches."""

    __tablename__ = "tenancy_platform"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Tenant(UUIDPrimaryKey, Timestamps, Base):
    """A merchant: the unit of billing, credits, users and settings."""

    __tablename__ = "tenancy_tenant"
    __table_args__ = (UniqueConstraint("platform_id", "slug"),)

    platform_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_platform.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)


class Store(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One of a tenant's shops; commerce data belongs to stores."""

    __tablename__ = "tenancy_store"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_tenant.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64))
    # ISO 4217: the store's prices, orders and invoices are in it.
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    is_active: Mapped[bool] = mapped_column(default=True)


class Membership(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A user's role in a tenant; `store_ids` limits a member to some stores (None: all)."""

    __tablename__ = "tenancy_membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_tenant.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    store_ids: Mapped[list[Any] | None] = mapped_column(JSONType)


class Invitation(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """An emailed, single-use offer to join a tenant with a role. Only the token's hash is kept."""

    __tablename__ = "tenancy_invitation"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_tenant.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(32))
    store_ids: Mapped[list[Any] | None] = mapped_column(JSONType)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None]
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL")
    )

    @property
    def status(self) -> str:
        """pending, accepted, revoked or expired (as the API shows it)."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "pending"
