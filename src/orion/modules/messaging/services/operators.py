"""The platform's operators and the tenants' `platform` conversations, across tenants.

Operators are not members of the tenants they talk with: a conversation is found by its id
among every tenant's platform conversations, and then read and written acting for its
tenant through the same functions the tenant's members use (the operator is the
`operator` side there). Customer conversations are never an operator's (404).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orion.kernel.contract.principal import Principal
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.errors import FieldError
from orion.kernel.runtime import runtime_of
from orion.modules.messaging.exceptions import (
    AttachmentNotFound,
    ConversationNotFound,
    ConversationRefused,
)
from orion.modules.messaging.models import Conversation
from orion.modules.messaging.repository import AttachmentRepository, ConversationRepository
from orion.modules.messaging.schemas import (
    ConversationCreate,
    ConversationKind,
    OperatorConversationCreate,
    OperatorConversationsPublic,
)
from orion.modules.messaging.services.conversations import NEWEST_FIRST, create_conversation
from orion.modules.messaging.services.participants import Participant, participant_of

PLATFORM = (ConversationKind.PLATFORM.value,)


def operator_of(principal: Principal, tenant: TenantContext) -> Participant:
    """The operator as the `operator` side of `tenant`'s platform conversations."""
    return participant_of(principal, tenant)


def operator_conversations(
    session: Session,
    *,
    principal: Principal,
    page: Page,
    tenant_id: uuid.UUID | None = None,
) -> OperatorConversationsPublic:
    """Every tenant's platform conversations (or one tenant's), latest activity first, with
    the operator's unread count and the tenant's name."""
    repository = ConversationRepository(session)
    key = f"user:{principal.user_id}" if principal.user_id else principal.subject
    runtime = runtime_of(session)
    scope = (
        acting_for(session, runtime.tenant_context(session, tenant_id))
        if tenant_id is not None
        else all_tenants(session)
    )
    with scope:
        listing = repository.listing(
            OperatorConversationsPublic,
            repository.visible(kinds=PLATFORM, store_ids=None),
            page,
            NEWEST_FIRST,
            columns={"unread": None, "tenant_name": None},
        )
        counts = repository.unread_counts(key, [c.id for c in listing.data])
    names = {t: runtime.directory.name_of(session, t) for t in {c.tenant_id for c in listing.data}}
    for row in listing.data:
        row.unread = counts.get(row.id, 0)
        row.tenant_name = names.get(row.tenant_id)
    return listing


def operator_unread(session: Session, *, principal: Principal) -> tuple[int, int]:
    """(platform conversations with messages the operator has not read, those messages)."""
    repository = ConversationRepository(session)
    key = f"user:{principal.user_id}" if principal.user_id else principal.subject
    with all_tenants(session):
        ids = [c.id for c in repository.list(repository.visible(kinds=PLATFORM, store_ids=None))]
        counts = repository.unread_counts(key, ids)
    return sum(1 for n in counts.values() if n), sum(counts.values())


def tenant_of_conversation(session: Session, conversation_id: uuid.UUID) -> TenantContext:
    """The tenant whose platform conversation this is (404 for any other conversation)."""
    with all_tenants(session):
        conversation = ConversationRepository(session).find(conversation_id)
        if conversation is None or conversation.kind != ConversationKind.PLATFORM.value:
            raise ConversationNotFound(f"conversation {conversation_id} does not exist")
        tenant_id = conversation.tenant_id
    return runtime_of(session).tenant_context(session, tenant_id)


def tenant_of_attachment(session: Session, attachment_id: uuid.UUID) -> TenantContext:
    """The tenant of an attachment of a platform conversation (404 otherwise)."""
    with all_tenants(session):
        attachment = AttachmentRepository(session).find(attachment_id)
        conversation = (
            ConversationRepository(session).find(attachment.conversation_id) if attachment else None
        )
        if conversation is None or conversation.kind != ConversationKind.PLATFORM.value:
            raise AttachmentNotFound(f"attachment {attachment_id} does not exist")
        tenant_id = conversation.tenant_id
    return runtime_of(session).tenant_context(session, tenant_id)


def start_conversation(
    session: Session, *, principal: Principal, data: OperatorConversationCreate
) -> Conversation:
    """An operator opens a platform conversation with the tenant named in `data.tenant`."""
    tenant = find_tenant(session, data.tenant)
    return create_conversation(
        session,
        tenant,
        who=operator_of(principal, tenant),
        data=ConversationCreate(
            kind=ConversationKind.PLATFORM, subject=data.subject, body=data.body
        ),
    )


# -- naming a tenant ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantChoice:
    """A tenant as the console's picker offers it: what to type, and what it shows."""

    id: uuid.UUID
    name: str
    value: str  # its name, or its id where another tenant has the same name


def tenant_choices(session: Session) -> list[TenantChoice]:
    """Every active tenant by name (by id where two share one), sorted by name."""
    directory = runtime_of(session).directory
    named = [
        (tenant.tenant_id, directory.name_of(session, tenant.tenant_id) or "")
        for tenant in directory.tenants(session)
    ]
    counts = Counter(name.casefold() for _, name in named)
    return sorted(
        (
            TenantChoice(tenant_id, name, name if counts[name.casefold()] == 1 else str(tenant_id))
            for tenant_id, name in named
        ),
        key=lambda choice: (choice.name.casefold(), str(choice.id)),
    )


def find_tenant(session: Session, reference: str) -> TenantContext:
    """The tenant an operator means: its id, slug or name (any case); none or several is
    the `tenant` field's error."""
    directory = runtime_of(session).directory
    reference = reference.strip()
    found = directory.lookup(session, reference)
    if not found:
        wanted = reference.casefold()
        found = [
            tenant
            for tenant in directory.tenants(session)
            if (directory.name_of(session, tenant.tenant_id) or "").casefold() == wanted
        ]
    if len(found) == 1:
        return found[0]
    message = (
        f"no tenant is called “{reference}”: pick one from the list, or give its slug or id"
        if not found
        else f"{len(found)} tenants answer to “{reference}”: pick one by its id"
    )
    raise ConversationRefused(message, errors=[FieldError("tenant", message)])
