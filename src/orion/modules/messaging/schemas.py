"""Messaging schemas: conversations, messages, attachments, notifications, preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from orion.kernel.data.paging import Listing
from orion.modules.email.schemas import EmailAddress

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000),
    Field(json_schema_extra={"multiline": True}),
]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ConversationKind(StrEnum):
    CUSTOMER = "customer"  # a store's staff and a customer
    PLATFORM = "platform"  # the platform's operators and the tenant


class NotificationKind(StrEnum):
    ORDER_PLACED = "order_placed"
    STOCK_LOW = "stock_low"
    OUT_OF_STOCK = "out_of_stock"
    CREDITS_LOW = "credits_low"
    CREDITS_DEPLETED = "credits_depleted"


KIND_LABELS = {
    NotificationKind.ORDER_PLACED: "New orders",
    NotificationKind.STOCK_LOW: "Stock running low",
    NotificationKind.OUT_OF_STOCK: "Out of stock",
    NotificationKind.CREDITS_LOW: "Credit balance low",
    NotificationKind.CREDITS_DEPLETED: "Credits used up",
}


class OperatorNotificationKind(StrEnum):
    """What monitoring raises for the platform's operators."""

    TASK_FAILED = "task_failed"
    THRESHOLD = "threshold"
    OUTBOX_STALLED = "outbox_stalled"
    WEBHOOK_FAILED = "webhook_failed"


OPERATOR_KIND_LABELS = {
    OperatorNotificationKind.TASK_FAILED: "Failed background tasks",
    OperatorNotificationKind.THRESHOLD: "Thresholds crossed",
    OperatorNotificationKind.OUTBOX_STALLED: "An outbox that stopped draining",
    OperatorNotificationKind.WEBHOOK_FAILED: "Failed webhooks",
}


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ConversationKind = ConversationKind.CUSTOMER
    store_id: uuid.UUID | None = Field(default=None, description="Required for `customer`")
    subject: Subject
    customer_email: EmailAddress | None = Field(default=None, description="For `customer`")
    customer_name: Name | None = None
    body: Text = Field(description="The first message")


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Text


class AttachmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    content_type: str
    size: int


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    conversation_id: uuid.UUID
    author_side: str
    author_name: str = Field(description="The author's name now (as written, if since gone)")
    author_user_id: uuid.UUID | None = Field(default=None, description="None: the customer")
    body: str
    created_at: datetime
    attachments: list[AttachmentPublic] = []


MessagesPublic = Listing[MessagePublic]


class ConversationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: ConversationKind
    store_id: uuid.UUID | None
    subject: str
    customer_email: str | None
    customer_name: str | None
    last_message_at: datetime
    created_at: datetime
    unread: int = 0


ConversationsPublic = Listing[ConversationPublic]


class OperatorConversationPublic(ConversationPublic):
    """A platform conversation as the operators list it, across tenants."""

    tenant_name: str | None = None


OperatorConversationsPublic = Listing[OperatorConversationPublic]


class OperatorConversationCreate(BaseModel):
    """An operator opens a conversation with a tenant (console: the tenant by name)."""

    model_config = ConfigDict(extra="forbid")

    tenant: str = Field(min_length=1, max_length=200, description="Its name, slug or id")
    subject: Subject
    body: Text = Field(description="The first message")


class UnreadPublic(BaseModel):
    conversations: int = Field(description="Conversations with unread messages")
    messages: int
    notifications: int


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


NotificationsPublic = Listing[NotificationPublic]


class PreferencePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: NotificationKind
    in_app: bool = True
    digest: bool = True


class PreferencesPublic(BaseModel):
    preferences: list[PreferencePublic]


class PreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferences: list[PreferencePublic] = Field(max_length=len(NotificationKind))


class OperatorNotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_id: uuid.UUID = Field(description="monitoring's notification")
    kind: OperatorNotificationKind
    severity: str
    title: str
    body: str
    link: str | None
    platform_id: uuid.UUID | None
    created_at: datetime
    closed_at: datetime | None = Field(description="When an operator acknowledged it")
    read: bool = False


OperatorNotificationsPublic = Listing[OperatorNotificationPublic]


class OperatorPreferencePublic(BaseModel):
    kind: OperatorNotificationKind
    in_app: bool = True


class OperatorPreferencesPublic(BaseModel):
    preferences: list[OperatorPreferencePublic]


class OperatorPreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preferences: list[OperatorPreferencePublic] = Field(max_length=len(OperatorNotificationKind))
