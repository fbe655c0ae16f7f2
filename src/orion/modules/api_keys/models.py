"""Provider keys: a tenant's own (TenantApiKey) and a platform's (AdminApiKey).

The key itself is stored only sealed with the kernel's SecretBox (`key_encrypted`); its last
four characters are kept apart (`key_last4`) so lists can show a masked key without
decrypting anything. After changing a model: `orion db revision --module api_keys -m ...`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, Timestamps, UUIDPrimaryKey

PROVIDERS = ("openai", "anthropic", "openai_compatible")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ProviderKey:
    provider: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    base_url: Mapped[str | None] = mapped_column(String(500))
    key_encrypted: Mapped[str] = mapped_column(Text)
    key_last4: Mapped[str] = mapped_column(String(4))
    is_active: Mapped[bool] = mapped_column(default=True)
    last_used_at: Mapped[datetime | None]
    last_validated_at: Mapped[datetime | None]

    @property
    def masked_key(self) -> str:
        return f"****{self.key_last4}"


class TenantApiKey(UUIDPrimaryKey, TenantScoped, ProviderKey, Timestamps, Base):
    """A tenant's own key for a provider (bring your own key)."""

    __tablename__ = "api_keys_tenant_key"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider", "name"),
        CheckConstraint(_one_of("provider", PROVIDERS), name="provider"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column()  # the unique constraint indexes it
    created_by: Mapped[uuid.UUID | None]


class AdminApiKey(UUIDPrimaryKey, ProviderKey, Timestamps, Base):
    """A platform's key for a provider, used for tenants without one of their own when
    `allow_tenants` is on."""

    __tablename__ = "api_keys_admin_key"
    __table_args__ = (
        UniqueConstraint("platform_id", "provider", "name"),
        CheckConstraint(_one_of("provider", PROVIDERS), name="provider"),
    )

    platform_id: Mapped[uuid.UUID]
    allow_tenants: Mapped[bool] = mapped_column(default=True)
