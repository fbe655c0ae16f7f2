"""Conversations, their messages and each participant's read state.

Staff see the tenant's conversations (customer ones only of the stores they may reach);
operators acting for a tenant see its `platform` conversations only. Anything else is
404: another tenant's conversation does not exist for the caller.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError, NotFound
from orion.modules.messaging.exceptions import ConversationNotFound, ConversationRefused
from orion.modules.messaging.models import Attachment, Conversation, Message, ReadState
from orion.modules.messaging.repository import (
    AttachmentRepository,
    ConversationRepository,
    MessageRepository,
    ReadStateRepository,
)
from orion.modules.messaging.schemas import (
    AttachmentPublic,
    ConversationCreate,
    ConversationKind,
    ConversationPublic,
    ConversationsPublic,
    MessagePublic,
    MessagesPublic,
)
from orion.modules.messaging.services import attachments as files
from orion.modules.messaging.services import authors
from orion.modules.messaging.services.participants import Participant
from orion.modules.tenancy import services as tenancy

NEWEST_FIRST = Conversation.last_message_at.desc()


def _kinds(who: Participant) -> tuple[str, ...]:
    if who.is_operator:
        return (ConversationKind.PLATFORM.value,)
    return (ConversationKind.CUSTOMER.value, ConversationKind.PLATFORM.value)


def _reachable(who: Participant, conversation: Conversation) -> bool:
    if conversation.kind not in _kinds(who):
        return False
    if who.side == "customer" or conversation.store_id is None or who.store_ids is None:
        return True
    return conversation.store_id in who.store_ids


def get_conversation(
    session: Session, tenant: TenantContext, conversation_id: uuid.UUID, *, who: Participant
) -> Conversation:
    with acting_for(session, tenant):
        conversation = ConversationRepository(session).get(conversation_id)
        if not _reachable(who, conversation):
            raise ConversationNotFound(f"conversation {conversation_id} does not exist")
        return conversation


def conversations_listing(
    session: Session,
    tenant: TenantContext,
    *,
    who: Participant,
    page: Page,
    store_id: uuid.UUID | None = None,
) -> ConversationsPublic:
    """The conversations the participant sees, latest activity first, with unread counts."""
    repository = ConversationRepository(session)
    with acting_for(session, tenant):
        query = repository.visible(kinds=_kinds(who), store_ids=who.store_ids)
        if store_id is not None:
            query = query.where(Conversation.store_id == store_id)
        listing = repository.listing(
            ConversationsPublic, query, page, NEWEST_FIRST, columns={"unread": None}
        )
        counts = repository.unread_counts(who.key, [c.id for c in listing.data])
    for row in listing.data:
        row.unread = counts.get(row.id, 0)
    return listing


def create_conversation(
    session: Session, tenant: TenantContext, *, who: Participant, data: ConversationCreate
) -> Conversation:
    """Open a conversation with its first message (the creator has read it)."""
    errors = []
    if data.kind is ConversationKind.CUSTOMER:
        if who.is_operator:
            errors.append(FieldError("kind", "operators talk with tenants: use `platform`"))
        if data.store_id is None:
            errors.append(FieldError("store_id", "a customer conversation belongs to a store"))
        if data.customer_email is None:
            errors.append(FieldError("customer_email", "the customer's email address is needed"))
    elif data.store_id is not None or data.customer_email is not None:
        errors.append(FieldError("kind", "a platform conversation has no store or customer"))
    if errors:
        raise ConversationRefused("the conversation cannot be opened", errors=errors)
    if data.store_id is not None:
        _check_store(session, tenant, who, data.store_id)
    with acting_for(session, tenant):
        conversation = ConversationRepository(session).add(
            Conversation(
                kind=data.kind.value,
                store_id=data.store_id,
                subject=data.subject,
                customer_email=data.customer_email,
                customer_name=data.customer_name or None,
                created_by=who.key,
            )
        )
    post_message(session, tenant, conversation.id, who=who, body=data.body)
    return conversation


def _check_store(
    session: Session, tenant: TenantContext, who: Participant, store_id: uuid.UUID
) -> None:
    refused = ConversationRefused(
        "no such store", errors=[FieldError("store_id", "the tenant has no such store")]
    )
    if who.store_ids is not None and store_id not in who.store_ids:
        raise refused
    try:
        tenancy.get_store(session, tenant, store_id)
    except NotFound:
        raise refused from None


def post_message(
    session: Session,
    tenant: TenantContext,
    conversation_id: uuid.UUID,
    *,
    who: Participant,
    body: str,
    uploads: list[files.Upload] | None = None,
) -> Message:
    """Add a message (and its attachments, all checked before anything is written); the
    author has read the conversation up to it."""
    conversation = get_conversation(session, tenant, conversation_id, who=who)
    checked = files.check_uploads(session, uploads or [])
    now = utcnow()
    name = authors.name_of(session, who.user_id, who.name)
    with acting_for(session, tenant):
        message = MessageRepository(session).add(
            Message(
                conversation_id=conversation.id,
                author_side=who.side,
                author_key=who.key,
                author_name=name[:200],
                body=body,
                created_at=now,
            )
        )
        files.store(
            session,
            checked,
            tenant_id=tenant.tenant_id,
            conversation_id=conversation.id,
            message_id=message.id,
        )
        conversation.last_message_at = now
        _read_until(session, conversation.id, who.key, now)
    return message


def record_customer_message(
    session: Session,
    tenant: TenantContext,
    conversation_id: uuid.UUID,
    *,
    by: Participant,
    body: str,
    uploads: list[files.Upload] | None = None,
) -> Message:
    """A customer's message, as staff received it (by mail, phone) or a storefront passes it."""
    conversation = get_conversation(session, tenant, conversation_id, who=by)
    if conversation.kind != ConversationKind.CUSTOMER.value:
        raise ConversationRefused(
            "only customer conversations have a customer",
            errors=[FieldError("conversation_id", "not a customer conversation")],
        )
    customer = Participant(key="customer", side="customer", name=conversation.customer_name or "")
    return post_message(session, tenant, conversation_id, who=customer, body=body, uploads=uploads)


def messages_listing(
    session: Session,
    tenant: TenantContext,
    conversation_id: uuid.UUID,
    *,
    who: Participant,
    page: Page,
) -> MessagesPublic:
    """The conversation's messages, oldest first, with their attachments."""
    conversation = get_conversation(session, tenant, conversation_id, who=who)
    repository = MessageRepository(session)
    with acting_for(session, tenant):
        listing = repository.listing(
            MessagesPublic,
            repository.of_conversation(conversation.id),
            page,
            Message.created_at,
            columns={"attachments": None, "author_user_id": None},
        )
        rows = AttachmentRepository(session).of_messages([m.id for m in listing.data])
        keys = {m.id: m.author_key for m in repository.list(repository.authors(listing.data))}
    by_message: dict[uuid.UUID, list[AttachmentPublic]] = {}
    for row in rows:
        by_message.setdefault(row.message_id, []).append(AttachmentPublic.model_validate(row))
    _named(session, listing.data, keys)
    for message in listing.data:
        message.attachments = by_message.get(message.id, [])
    return listing


def _named(session: Session, messages: list[MessagePublic], keys: dict[uuid.UUID, str]) -> None:
    """Each message's author as a user id and their name now (as written when gone)."""
    for message in messages:
        message.author_user_id = authors.user_id_of(keys.get(message.id, ""))
    names = authors.names_of(session, (m.author_user_id for m in messages))
    for message in messages:
        if message.author_user_id in names:
            message.author_name = names[message.author_user_id]  # type: ignore[index]


def message_public(session: Session, tenant: TenantContext, message: Message) -> MessagePublic:
    with acting_for(session, tenant):
        rows = AttachmentRepository(session).of_messages([message.id])
    public = MessagePublic.model_validate(message)
    public.attachments = [AttachmentPublic.model_validate(row) for row in rows]
    _named(session, [public], {message.id: message.author_key})
    return public


def mark_read(
    session: Session, tenant: TenantContext, conversation_id: uuid.UUID, *, who: Participant
) -> ConversationPublic:
    """The participant has read every message of the conversation there is now."""
    conversation = get_conversation(session, tenant, conversation_id, who=who)
    with acting_for(session, tenant):
        latest = MessageRepository(session).latest_at(conversation.id)
        if latest is not None:
            _read_until(session, conversation.id, who.key, latest)
        public = ConversationPublic.model_validate(conversation)
        public.unread = (
            ConversationRepository(session)
            .unread_counts(who.key, [conversation.id])
            .get(conversation.id, 0)
        )
    return public


def unread_messages(
    session: Session, tenant: TenantContext, *, who: Participant
) -> tuple[int, int]:
    """(conversations with unread messages, unread messages) for the participant."""
    repository = ConversationRepository(session)
    with acting_for(session, tenant):
        ids = [
            c.id
            for c in repository.list(repository.visible(kinds=_kinds(who), store_ids=who.store_ids))
        ]
        counts = repository.unread_counts(who.key, ids)
    return sum(1 for n in counts.values() if n), sum(counts.values())


def get_attachment(
    session: Session, tenant: TenantContext, attachment_id: uuid.UUID, *, who: Participant
) -> tuple[Attachment, bytes]:
    """An attachment and its bytes, for a participant of its conversation only (404)."""
    with acting_for(session, tenant):
        attachment = AttachmentRepository(session).get(attachment_id)
    try:
        get_conversation(session, tenant, attachment.conversation_id, who=who)
    except ConversationNotFound:
        raise AttachmentRepository.not_found(f"attachment {attachment_id} does not exist") from None
    return attachment, files.load(session, attachment)


def _read_until(session: Session, conversation_id: uuid.UUID, key: str, at: datetime) -> None:
    states = ReadStateRepository(session)
    state = states.of(conversation_id, key)
    if state is None:
        states.add(ReadState(conversation_id=conversation_id, participant=key, read_until=at))
    elif state.read_until is None or state.read_until < at:
        state.read_until = at
