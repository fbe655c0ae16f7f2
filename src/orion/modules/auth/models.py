"""auth tables: users, refresh tokens, password reset tokens, API access tokens, failed sign-ins.

Secrets (refresh, reset and access tokens) are stored only as SHA-256 hashes; passwords as
Argon2 hashes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, JSONType, TenantScoped, Timestamps, UUIDPrimaryKey, utcnow


class User(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "auth_user"

    email: Mapped[str] = mapped_column(String(320), unique=True)  # always lower-cased
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_superadmin: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None]


class RefreshToken(UUIDPrimaryKey, Base):
    """One refresh token of a sign-in session (a family). Using it marks it used and issues
    its successor; presenting a used one again revokes the whole family."""

    __tablename__ = "auth_refresh_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    parent_id: Mapped[uuid.UUID | None]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The tenant the session was opened for (access tokens carry it as `tid`), if any.
    tenant_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class PasswordResetToken(UUIDPrimaryKey, Base):
    __tablename__ = "auth_password_reset_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AccessToken(UUIDPrimaryKey, TenantScoped, Base):
    """An API access token for programs: bound to one user in one tenant, with scopes."""

    __tablename__ = "auth_access_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise it
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginFailure(UUIDPrimaryKey, Base):
    """A failed sign-in, for throttling when no Redis is configured."""

    __tablename__ = "auth_login_failure"
    __table_args__ = (Index("ix_auth_login_failure_key_created_at", "key", "created_at"),)

    key: Mapped[str] = mapped_column(String(400))  # "account:<email>" or "address:<ip>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
