"""Messaging models: conversations, their messages and attachments, each participant's
read state; in-app notifications per user and the kinds each user wants.

A conversation is `customer` (a store's staff and one customer, known by email and name:
there is no customer account) or `platform` (the platform's operators and the tenant).
Both belong to the tenant. Participants are keyed `user:<id>` (members and operators)
or `customer`. Operators' notifications (from monitoring's events) are platform-level.
After changing a model: `orion db revision --module messaging -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, Timestamps, UUIDPrimaryKey, utcnow

KINDS = ("customer", "platform")
SIDES = ("staff", "customer", "operator")
CUSTOMER = "customer"


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _tenant_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("tenancy_tenant.id", ondelete="CASCADE"), index=True)


class Conversation(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    __tablename__ = "messaging_conversation"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        Index(
            "ix_messaging_conversation_tenant_id_last_message_at", "tenant_id", "last_message_at"
        ),
    )

    tenant_id: Mapped[uuid.UUID] = _tenant_fk()
    kind: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenancy_store.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(320))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(UUIDPrimaryKey, TenantScoped, Base):
    __tablename__ = "messaging_message"
    __table_args__ = (
        CheckConstraint(_one_of("author_side", SIDES), name="author_side"),
        Index("ix_messaging_message_conversation_id_created_at", "conversation_id", "created_at"),
    )

    tenant_id: Mapped[uuid.UUID] = _tenant_fk()
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_conversation.id", ondelete="CASCADE")
    )
    author_side: Mapped[str] = mapped_column(String(16))
    author_key: Mapped[str] = mapped_column(String(64))  # "user:<id>" or "customer"
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(UUIDPrimaryKey, TenantScoped, Base):
    """A file of a message; its bytes are in the attachment storage under `storage_key`."""

    __tablename__ = "messaging_attachment"

    tenant_id: Mapped[uuid.UUID] = _tenant_fk()
    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_message.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_conversation.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadState(UUIDPrimaryKey, TenantScoped, Base):
    """What a participant has read of a conversation: every message up to `read_until`."""

    __tablename__ = "messaging_read_state"
    __table_args__ = (UniqueConstraint("conversation_id", "participant"),)

    tenant_id: Mapped[uuid.UUID] = _tenant_fk()
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_conversation.id", ondelete="CASCADE")
    )
    participant: Mapped[str] = mapped_column(String(64))
    read_until: Mapped[datetime]


class Notification(UUIDPrimaryKey, TenantScoped, Base):
    """One in-app notification of one user; `digest` ones go into the next email digest."""

    __tablename__ = "messaging_notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", "kind"),
        Index("ix_messaging_notification_user_id_created_at", "user_id", "created_at"),
    )

    tenant_id: Mapped[uuid.UUID] = _tenant_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000), default="")
    link: Mapped[str | None] = mapped_column(String(500))
    event_id: Mapped[uuid.UUID | None]
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=True)
    read_at: Mapped[datetime | None]
    digested_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Preference(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """How a user wants one kind of notification (no row: in the app and in the digest)."""

    __tablename__ = "messaging_preference"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "kind"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_tenant.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=True)


# -- the platform's operators (platform-level rows: no tenant owns them) -------------------

OPERATOR_KINDS = ("task_failed", "threshold", "outbox_stalled", "webhook_failed")


class OperatorNotification(UUIDPrimaryKey, Base):
    """Something the platform's operators should look at, raised by monitoring's events.

    One row for the whole operator team (operators come and go; a new one sees what is
    open); each operator's read state is `OperatorNotificationRead`, and their choices
    `OperatorPreference`. `source_id` is monitoring's notification: once per event, closed
    when an operator acknowledges it there."""

    __tablename__ = "messaging_operator_notification"
    __table_args__ = (
        CheckConstraint(_one_of("kind", OPERATOR_KINDS), name="kind"),
        UniqueConstraint("source_id"),
        Index("ix_messaging_operator_notification_created_at", "created_at"),
    )

    source_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(2000), default="")
    link: Mapped[str | None] = mapped_column(String(500))
    platform_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]  # acknowledged in monitoring
    closed_by: Mapped[uuid.UUID | None]


class OperatorNotificationRead(UUIDPrimaryKey, Base):
    """One operator has read one operator notification."""

    __tablename__ = "messaging_operator_notification_read"
    __table_args__ = (UniqueConstraint("user_id", "notification_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messaging_operator_notification.id", ondelete="CASCADE"), index=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class OperatorPreference(UUIDPrimaryKey, Timestamps, Base):
    """Whether an operator wants one kind in the console (no row: yes)."""

    __tablename__ = "messaging_operator_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
