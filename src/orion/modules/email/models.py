"""Email models: SMTP configurations (a tenant's own, a platform's default) and messages.

Passwords are stored sealed with the kernel's SecretBox (`password_encrypted`), never in
the clear. After changing a model: `orion db revision --module email -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, Timestamps, UUIDPrimaryKey

TLS_MODES = ("none", "starttls", "tls")
STATES = ("queued", "sending", "sent", "failed")
SOURCES = ("tenant", "platform", "settings")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SmtpServer:
    """The columns of an SMTP configuration."""

    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int]
    username: Mapped[str | None] = mapped_column(String(255))
    password_encrypted: Mapped[str | None] = mapped_column(Text)
    tls_mode: Mapped[str] = mapped_column(String(16))
    from_address: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str | None] = mapped_column(String(100))

    @property
    def has_password(self) -> bool:
        return self.password_encrypted is not None


class EmailConfig(UUIDPrimaryKey, TenantScoped, SmtpServer, Timestamps, Base):
    """A tenant's own SMTP server; at most one per tenant."""

    __tablename__ = "email_config"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint(_one_of("tls_mode", TLS_MODES), name="tls_mode"),
        CheckConstraint("port BETWEEN 1 AND 65535", name="port"),
    )

    # The unique constraint indexes it; no second index.
    tenant_id: Mapped[uuid.UUID] = mapped_column()


class PlatformEmailConfig(UUIDPrimaryKey, SmtpServer, Timestamps, Base):
    """A platform's default SMTP server, set by an operator (else the deployment settings)."""

    __tablename__ = "email_platform_config"
    __table_args__ = (
        UniqueConstraint("platform_id"),
        CheckConstraint(_one_of("tls_mode", TLS_MODES), name="tls_mode"),
        CheckConstraint("port BETWEEN 1 AND 65535", name="port"),
    )

    platform_id: Mapped[uuid.UUID]


class EmailMessage(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One message and its delivery. Platform mail (password resets) has no tenant.

    Messages carrying one-time links (`sensitive`) keep their bodies sealed with the
    SecretBox until they are sent, then drop them.
    """

    __tablename__ = "email_message"
    __table_args__ = (
        Index("ix_email_message_tenant_id_created_at", "tenant_id", "created_at"),
        CheckConstraint(_one_of("state", STATES), name="state"),
    )

    # Nullable: platform mail belongs to no tenant. The (tenant_id, created_at) index serves
    # both the tenant filter and the newest-first listing.
    tenant_id: Mapped[uuid.UUID | None] = mapped_column()  # type: ignore[assignment]
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    template: Mapped[str] = mapped_column(String(100))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_via: Mapped[str | None] = mapped_column(String(16))
    smtp_message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None]
