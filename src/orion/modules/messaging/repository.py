"""Queries on the messaging models. Tenant filtering is the kernel's: every query here
reads the rows of the tenant the session acts for."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, update

from orion.kernel.data.repository import RepositoryBase
from orion.modules.messaging.exceptions import (
    AttachmentNotFound,
    ConversationNotFound,
    NotificationNotFound,
)
from orion.modules.messaging.models import (
    Attachment,
    Conversation,
    Message,
    Notification,
    Preference,
    ReadState,
)


class ConversationRepository(RepositoryBase[Conversation]):
    model = Conversation
    not_found = ConversationNotFound
    label = "conversation"

    def visible(self, *, kinds: Collection[str], store_ids: Collection[uuid.UUID] | None) -> Select:
        """Conversations of these kinds; customer ones only of `store_ids` (None: all)."""
        query = self.select().where(Conversation.kind.in_(list(kinds)))
        if store_ids is not None:
            query = query.where(
                (Conversation.store_id.is_(None)) | Conversation.store_id.in_(list(store_ids))
            )
        return query

    def unread_counts(
        self, participant: str, conversation_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """Messages of others newer than what `participant` read, per conversation."""
        if not conversation_ids:
            return {}
        read = ReadState
        query = (
            select(Message.conversation_id, func.count())
            .outerjoin(
                read,
                and_(
                    read.conversation_id == Message.conversation_id,
                    read.participant == participant,
                ),
            )
            .where(
                Message.conversation_id.in_(list(conversation_ids)),
                Message.author_key != participant,
                (read.read_until.is_(None)) | (Message.created_at > read.read_until),
            )
            .group_by(Message.conversation_id)
        )
        return {row[0]: row[1] for row in self.session.execute(query)}


class MessageRepository(RepositoryBase[Message]):
    model = Message

    def of_conversation(self, conversation_id: uuid.UUID) -> Select:
        return self.select().where(Message.conversation_id == conversation_id)

    def latest_at(self, conversation_id: uuid.UUID) -> datetime | None:
        return self.session.scalar(
            select(func.max(Message.created_at)).where(Message.conversation_id == conversation_id)
        )


class AttachmentRepository(RepositoryBase[Attachment]):
    model = Attachment
    not_found = AttachmentNotFound
    label = "attachment"

    def of_messages(self, message_ids: Collection[uuid.UUID]) -> list[Attachment]:
        if not message_ids:
            return []
        return self.list(
            self.select()
            .where(Attachment.message_id.in_(list(message_ids)))
            .order_by(Attachment.created_at, Attachment.id)
        )


class ReadStateRepository(RepositoryBase[ReadState]):
    model = ReadState

    def of(self, conversation_id: uuid.UUID, participant: str) -> ReadState | None:
        return self.first(
            self.select().where(
                ReadState.conversation_id == conversation_id,
                ReadState.participant == participant,
            )
        )


class NotificationRepository(RepositoryBase[Notification]):
    model = Notification
    not_found = NotificationNotFound
    label = "notification"

    def shown_to(self, user_id: uuid.UUID, *, unread_only: bool = False) -> Select:
        query = self.select().where(Notification.user_id == user_id, Notification.in_app)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return query

    def unread_count(self, user_id: uuid.UUID) -> int:
        query = self.shown_to(user_id, unread_only=True)
        return self.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def exists(self, user_id: uuid.UUID, event_id: uuid.UUID, kind: str) -> bool:
        return (
            self.first(
                self.select().where(
                    Notification.user_id == user_id,
                    Notification.event_id == event_id,
                    Notification.kind == kind,
                )
            )
            is not None
        )

    def mark_read(self, user_id: uuid.UUID, ids: Collection[uuid.UUID] | None, at: datetime) -> int:
        """Mark the user's notifications read (all of them when `ids` is None)."""
        where: list[Any] = [Notification.user_id == user_id, Notification.read_at.is_(None)]
        if ids is not None:
            where.append(Notification.id.in_(list(ids)))
        result = self.session.execute(
            update(Notification)
            .where(*where)
            .values(read_at=at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0

    def for_digest(self) -> list[Notification]:
        """Unread notifications not yet in a digest, of users who want them there."""
        return self.list(
            self.select()
            .where(
                Notification.digest,
                Notification.read_at.is_(None),
                Notification.digested_at.is_(None),
            )
            .order_by(Notification.user_id, Notification.created_at, Notification.id)
            .with_for_update()
        )

    def mark_digested(self, ids: Collection[uuid.UUID], at: datetime) -> None:
        if ids:
            self.session.execute(
                update(Notification)
                .where(Notification.id.in_(list(ids)), Notification.digested_at.is_(None))
                .values(digested_at=at)
                .execution_options(synchronize_session=False)
            )


class PreferenceRepository(RepositoryBase[Preference]):
    model = Preference

    def of_users(self, user_ids: Collection[uuid.UUID]) -> list[Preference]:
        if not user_ids:
            return []
        return self.list(self.select().where(Preference.user_id.in_(list(user_ids))))
