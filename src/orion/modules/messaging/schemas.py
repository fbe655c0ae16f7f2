"""Messaging schemas: conversations, messages, attachments, notifications, preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from orion.kernel.data.paging import Listing
from orion.modules.email.schemas import EmailAddress

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
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
    author_name: str
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
