"""Messaging routes: conversations, messages (multipart, with attachments), read state,
notifications and preferences.

`api` has two audiences (kernel.web.mounting): the tenant's members at
/api/v1/messaging/..., and platform operators acting for a tenant at
/api/v1/admin/messaging/tenants/{tenant_id}/... An operator there is the `operator` side
of the tenant's `platform` conversations and sees no customer conversation.

`admin` is the operators' own (/api/v1/admin/messaging/...): every tenant's platform
conversations, opening one with a tenant named by name, slug or id, and the operators'
notifications (from monitoring's events) with their preferences.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from orion.kernel.web.dependencies import CurrentTenant, PageDep, SessionDep, problem_responses
from orion.kernel.web.limits import accepts_upload
from orion.kernel.web.responses import ListingResponse
from orion.modules.messaging import services
from orion.modules.messaging.dependencies import Operator, Reader, User, Writer
from orion.modules.messaging.models import Attachment
from orion.modules.messaging.schemas import (
    ConversationCreate,
    ConversationPublic,
    ConversationsPublic,
    MessagePublic,
    MessagesPublic,
    NotificationsPublic,
    OperatorConversationCreate,
    OperatorConversationsPublic,
    OperatorNotificationsPublic,
    OperatorPreferencesPublic,
    OperatorPreferencesUpdate,
    PreferencesPublic,
    PreferencesUpdate,
    UnreadPublic,
)
from orion.modules.messaging.services.attachments import messaging_settings

api = APIRouter()
admin = APIRouter()  # /api/v1/admin/messaging/...: the platform's operators, across tenants

NOT_FOUND = problem_responses(404)
REFUSED = problem_responses(404, 422)


async def read_uploads(files: list[UploadFile], limit: int) -> list[services.Upload]:
    """The posted files, each read to at most `limit` + 1 bytes (enough to refuse it)."""
    return [services.Upload(filename=f.filename or "", data=await f.read(limit + 1)) for f in files]


@api.get("/conversations", response_model=ConversationsPublic)
def list_conversations(
    session: SessionDep,
    tenant: CurrentTenant,
    who: Reader,
    page: PageDep,
    store_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ListingResponse:
    """Latest activity first, each with the caller's unread count."""
    return ListingResponse(
        services.conversations_listing(session, tenant, who=who, page=page, store_id=store_id)
    )


@api.post("/conversations", status_code=status.HTTP_201_CREATED, responses=REFUSED)
def create_conversation(
    session: SessionDep, tenant: CurrentTenant, who: Writer, body: ConversationCreate
) -> ConversationPublic:
    conversation = services.create_conversation(session, tenant, who=who, data=body)
    return ConversationPublic.model_validate(conversation)


@api.get("/conversations/{conversation_id}", responses=NOT_FOUND)
def get_conversation(
    session: SessionDep, tenant: CurrentTenant, who: Reader, conversation_id: uuid.UUID
) -> ConversationPublic:
    conversation = services.get_conversation(session, tenant, conversation_id, who=who)
    return ConversationPublic.model_validate(conversation)


@api.get(
    "/conversations/{conversation_id}/messages", response_model=MessagesPublic, responses=NOT_FOUND
)
def list_messages(
    session: SessionDep,
    tenant: CurrentTenant,
    who: Reader,
    page: PageDep,
    conversation_id: uuid.UUID,
) -> ListingResponse:
    """Oldest first, with their attachments."""
    return ListingResponse(
        services.messages_listing(session, tenant, conversation_id, who=who, page=page)
    )


@api.post(
    "/conversations/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED,
)
@accepts_upload()  # attachments: up to the deployment's upload limit
async def post_message(
    session: SessionDep,
    tenant: CurrentTenant,
    who: Writer,
    conversation_id: uuid.UUID,
    body: Annotated[str, Form(min_length=1, max_length=20_000)],
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies it
    from_customer: Annotated[bool, Form(description="Record the customer's message")] = False,
) -> MessagePublic:
    """A message (multipart: `body`, `files`); `from_customer` records what the customer
    sent by other means (staff only)."""
    uploads = await read_uploads(files, messaging_settings(session).max_attachment_bytes)

    def record() -> MessagePublic:  # the database is worked on a request thread
        if from_customer:
            message = services.record_customer_message(
                session, tenant, conversation_id, by=who, body=body.strip(), uploads=uploads
            )
        else:
            message = services.post_message(
                session, tenant, conversation_id, who=who, body=body.strip(), uploads=uploads
            )
        return services.message_public(session, tenant, message)

    return await run_in_threadpool(record)


@api.post("/conversations/{conversation_id}/read", responses=NOT_FOUND)
def mark_read(
    session: SessionDep, tenant: CurrentTenant, who: Reader, conversation_id: uuid.UUID
) -> ConversationPublic:
    """The caller has read the conversation up to its latest message."""
    return services.mark_read(session, tenant, conversation_id, who=who)


@api.get("/attachments/{attachment_id}", responses=NOT_FOUND)
def download_attachment(
    session: SessionDep, tenant: CurrentTenant, who: Reader, attachment_id: uuid.UUID
) -> Response:
    attachment, data = services.get_attachment(session, tenant, attachment_id, who=who)
    return Response(data, media_type=attachment.content_type, headers=_download(attachment))


def _download(attachment: Attachment) -> dict[str, str]:
    return {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
        "X-Content-Type-Options": "nosniff",
    }


@api.get("/unread")
def unread(session: SessionDep, tenant: CurrentTenant, who: Reader, me: User) -> UnreadPublic:
    conversations, messages = services.unread_messages(session, tenant, who=who)
    notifications = services.unread_notifications(session, tenant, user_id=me.user_id)  # type: ignore[arg-type]
    return UnreadPublic(conversations=conversations, messages=messages, notifications=notifications)


@api.get("/notifications", response_model=NotificationsPublic)
def list_notifications(
    session: SessionDep,
    tenant: CurrentTenant,
    me: User,
    page: PageDep,
    unread_only: Annotated[bool, Query()] = False,
) -> ListingResponse:
    """The caller's in-app notifications, newest first."""
    return ListingResponse(
        services.notifications_listing(
            session,
            tenant,
            user_id=me.user_id,
            page=page,
            unread_only=unread_only,  # type: ignore[arg-type]
        )
    )


@api.post("/notifications/read")
def mark_notifications_read(
    session: SessionDep,
    tenant: CurrentTenant,
    me: User,
    ids: Annotated[list[uuid.UUID] | None, Query(alias="id")] = None,
) -> UnreadPublic:
    """Mark the caller's notifications read (`?id=...`, or all of them)."""
    services.mark_notifications_read(session, tenant, user_id=me.user_id, ids=ids)  # type: ignore[arg-type]
    left = services.unread_notifications(session, tenant, user_id=me.user_id)  # type: ignore[arg-type]
    return UnreadPublic(conversations=0, messages=0, notifications=left)


@api.get("/preferences")
def get_preferences(session: SessionDep, tenant: CurrentTenant, me: User) -> PreferencesPublic:
    return services.get_preferences(session, tenant, user_id=me.user_id)  # type: ignore[arg-type]


@api.put("/preferences", responses=problem_responses(422))
def put_preferences(
    session: SessionDep, tenant: CurrentTenant, me: User, body: PreferencesUpdate
) -> PreferencesPublic:
    return services.put_preferences(session, tenant, user_id=me.user_id, data=body)  # type: ignore[arg-type]


# -- the platform's operators ------------------------------------------------------------------


@admin.get("/conversations", response_model=OperatorConversationsPublic)
def operator_conversations(
    session: SessionDep,
    me: Operator,
    page: PageDep,
    tenant_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ListingResponse:
    """Every tenant's platform conversations (or one tenant's), latest activity first, with
    the caller's unread count and the tenant's name."""
    return ListingResponse(
        services.operator_conversations(session, principal=me, page=page, tenant_id=tenant_id)
    )


@admin.post("/conversations", status_code=status.HTTP_201_CREATED, responses=REFUSED)
def start_conversation(
    session: SessionDep, me: Operator, body: OperatorConversationCreate
) -> ConversationPublic:
    """Open a platform conversation with the tenant `tenant` names (its name, slug or id);
    read and answer it under /tenants/{tenant_id}/conversations/{id}."""
    conversation = services.start_conversation(session, principal=me, data=body)
    return ConversationPublic.model_validate(conversation)


@admin.get("/unread")
def operator_unread(session: SessionDep, me: Operator) -> UnreadPublic:
    conversations, messages = services.operator_unread(session, principal=me)
    notifications = services.operator_unread_notifications(session, user_id=me.user_id)  # type: ignore[arg-type]
    return UnreadPublic(conversations=conversations, messages=messages, notifications=notifications)


@admin.get("/notifications", response_model=OperatorNotificationsPublic)
def operator_notifications(
    session: SessionDep,
    me: Operator,
    page: PageDep,
    unread_only: Annotated[bool, Query()] = False,
) -> ListingResponse:
    """The caller's notifications from monitoring, newest first (`read`: by the caller, or
    closed by an acknowledgement)."""
    return ListingResponse(
        services.operator_notifications_listing(
            session,
            user_id=me.user_id,  # type: ignore[arg-type]
            page=page,
            unread_only=unread_only,
        )
    )


@admin.post("/notifications/read")
def operator_notifications_read(
    session: SessionDep,
    me: Operator,
    ids: Annotated[list[uuid.UUID] | None, Query(alias="id")] = None,
) -> UnreadPublic:
    """Mark the caller's notifications read (`?id=...`, or all of them)."""
    services.mark_operator_notifications_read(session, user_id=me.user_id, ids=ids)  # type: ignore[arg-type]
    left = services.operator_unread_notifications(session, user_id=me.user_id)  # type: ignore[arg-type]
    return UnreadPublic(conversations=0, messages=0, notifications=left)


@admin.get("/preferences")
def get_operator_preferences(session: SessionDep, me: Operator) -> OperatorPreferencesPublic:
    return services.get_operator_preferences(session, user_id=me.user_id)  # type: ignore[arg-type]


@admin.put("/preferences", responses=problem_responses(422))
def put_operator_preferences(
    session: SessionDep, me: Operator, body: OperatorPreferencesUpdate
) -> OperatorPreferencesPublic:
    return services.put_operator_preferences(session, user_id=me.user_id, data=body)  # type: ignore[arg-type]
