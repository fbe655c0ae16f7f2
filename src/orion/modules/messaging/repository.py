"""Queries on the messaging models. Tenant filtering is the kernel's: every query on a
tenant's rows reads those of the tenant the session acts for; the operators' notifications
are platform-level."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, select, update

from orion.kernel.data.db import insert_or_ignore
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
    OperatorNotification,
    OperatorNotificationRead,
    OperatorPreference,
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

    def authors(self, messages: Collection[Any]) -> Select:
        """The messages (by their ids) with their author keys."""
        return self.select().where(Message.id.in_([m.id for m in messages]))

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


class OperatorNotificationRepository(RepositoryBase[OperatorNotification]):
    """The operators' notifications (platform-level rows) and each operator's read state."""

    model = OperatorNotification
    label = "operator notification"

    def _read(self, user_id: uuid.UUID) -> Any:
        return exists().where(
            OperatorNotificationRead.notification_id == OperatorNotification.id,
            OperatorNotificationRead.user_id == user_id,
        )

    def shown_to(
        self, user_id: uuid.UUID, *, hidden: Collection[str], unread_only: bool = False
    ) -> Select:
        """The notifications of the kinds the operator wants shown (unread ones: neither
        read by them nor closed by an acknowledgement)."""
        query = self.select()
        if hidden:
            query = query.where(OperatorNotification.kind.not_in(list(hidden)))
        if unread_only:
            query = query.where(OperatorNotification.closed_at.is_(None), ~self._read(user_id))
        return query

    def unread_count(self, user_id: uuid.UUID, *, hidden: Collection[str]) -> int:
        query = self.shown_to(user_id, hidden=hidden, unread_only=True)
        return self.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def unread_ids(
        self,
        user_id: uuid.UUID,
        *,
        hidden: Collection[str],
        among: Collection[uuid.UUID] | None = None,
    ) -> list[uuid.UUID]:
        query = self.shown_to(user_id, hidden=hidden, unread_only=True)
        if among is not None:
            query = query.where(OperatorNotification.id.in_(list(among)))
        return list(self.session.scalars(query.with_only_columns(OperatorNotification.id)))

    def read_of(self, user_id: uuid.UUID, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `ids` the operator has read, or were closed."""
        if not ids:
            return set()
        read = select(OperatorNotificationRead.notification_id).where(
            OperatorNotificationRead.user_id == user_id,
            OperatorNotificationRead.notification_id.in_(list(ids)),
        )
        closed = select(OperatorNotification.id).where(
            OperatorNotification.id.in_(list(ids)), OperatorNotification.closed_at.is_not(None)
        )
        return set(self.session.scalars(read)) | set(self.session.scalars(closed))

    def mark_read(self, user_id: uuid.UUID, ids: Collection[uuid.UUID], at: datetime) -> int:
        marked = 0
        for notification_id in ids:
            marked += insert_or_ignore(
                self.session,
                OperatorNotificationRead,
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "notification_id": notification_id,
                    "read_at": at,
                },
                unique=("user_id", "notification_id"),
            )
        return marked

    def close(self, source_id: uuid.UUID, *, by: uuid.UUID | None, at: datetime) -> None:
        self.session.execute(
            update(OperatorNotification)
            .where(
                OperatorNotification.source_id == source_id,
                OperatorNotification.closed_at.is_(None),
            )
            .values(closed_at=at, closed_by=by)
            .execution_options(synchronize_session=False)
        )


class OperatorPreferenceRepository(RepositoryBase[OperatorPreference]):
    model = OperatorPreference

    def of_user(self, user_id: uuid.UUID) -> list[OperatorPreference]:
        return self.list(self.select().where(OperatorPreference.user_id == user_id))
