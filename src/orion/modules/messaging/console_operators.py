"""The platform operators' messaging pages, under /console/platform/messaging/ (operators
only): every tenant's platform conversations with unread counts and a form to write to a
tenant, a conversation with its messages and a reply form, the operators' notifications
from monitoring with an HTMX-polled badge, and their preferences."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from orion.kernel.data.paging import Page
from orion.kernel.runtime import runtime_of
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext, attempt
from orion.kernel.web.console.shell import PostedForm
from orion.kernel.web.dependencies import SessionDep
from orion.modules.messaging import services
from orion.modules.messaging.schemas import (
    OPERATOR_KIND_LABELS,
    OperatorConversationCreate,
    OperatorNotificationKind,
    OperatorPreferencesUpdate,
)
from orion.modules.messaging.services.attachments import messaging_settings

pages = APIRouter()  # /console/platform/messaging/...

HOME = "/console/platform/messaging/"
LIMIT = 50


def _user_id(page: PageContext) -> uuid.UUID:
    assert page.principal is not None and page.principal.user_id is not None  # operator_gate
    return page.principal.user_id


def _index_context(
    page: PageContext, session: Session, tenant_id: uuid.UUID | None = None, offset: int = 0
) -> dict[str, Any]:
    listing = services.operator_conversations(
        session,
        principal=page.principal,  # type: ignore[arg-type]
        page=Page(limit=LIMIT, offset=offset),
        tenant_id=tenant_id,
    )
    directory = runtime_of(session).directory
    return {
        "conversations": listing.data,
        "count": listing.count,
        "offset": offset,
        "limit": LIMIT,
        "tenant_id": tenant_id,
        "tenant_filter": directory.name_of(session, tenant_id) if tenant_id else None,
        "tenants": services.tenant_choices(session),
    }


index_page = FormPage("messaging/platform/index.html")  # its context takes a filter


@pages.get("/")
def index(
    page: ConsolePage,
    session: SessionDep,
    tenant_id: uuid.UUID | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    return index_page.show(page, session, **_index_context(page, session, tenant_id, offset))


@pages.post("/")
def start_conversation(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    return index_page.submit(
        page,
        session,
        form,
        OperatorConversationCreate,
        lambda data: services.start_conversation(session, principal=page.principal, data=data),  # type: ignore[arg-type]
        done=lambda conversation: f"{HOME}conversations/{conversation.id}",
        message="Conversation opened.",
        shown=lambda: _index_context(page, session),
    )


def _conversation(
    page: PageContext, session: Session, conversation_id: uuid.UUID, **extra: Any
) -> HTMLResponse:
    tenant = services.tenant_of_conversation(session, conversation_id)
    who = services.operator_of(page.principal, tenant)  # type: ignore[arg-type]
    conversation = services.get_conversation(session, tenant, conversation_id, who=who)
    messages = services.messages_listing(
        session, tenant, conversation_id, who=who, page=Page(limit=500)
    ).data
    services.mark_read(session, tenant, conversation_id, who=who)
    extra.setdefault("errors", {})
    extra.setdefault("values", {})
    return page.render(
        "messaging/platform/conversation.html",
        conversation=conversation,
        messages=messages,
        tenant_name=runtime_of(session).directory.name_of(session, tenant.tenant_id),
        **extra,
    )


@pages.get("/conversations/{conversation_id}")
def conversation(
    page: ConsolePage, session: SessionDep, conversation_id: uuid.UUID
) -> HTMLResponse:
    return _conversation(page, session, conversation_id)


@pages.post("/conversations/{conversation_id}")
async def reply(
    page: ConsolePage, session: SessionDep, conversation_id: uuid.UUID, form: PostedForm
) -> Response:
    body = str(form.get("body") or "").strip()
    limit = messaging_settings(session).max_attachment_bytes
    uploads = [
        services.Upload(filename=f.filename or "", data=await f.read(limit + 1))
        for f in form.getlist("files")
        if isinstance(f, UploadFile) and f.filename
    ]
    # The files are read on the event loop; the database is worked on a request thread.
    return await run_in_threadpool(_post_reply, page, session, conversation_id, body, uploads)


def _post_reply(
    page: PageContext,
    session: Session,
    conversation_id: uuid.UUID,
    body: str,
    uploads: list[services.Upload],
) -> Response:
    tenant = services.tenant_of_conversation(session, conversation_id)
    who = services.operator_of(page.principal, tenant)  # type: ignore[arg-type]
    if not body:
        errors = {"body": "write a message"}
    else:
        _, errors = attempt(
            session,
            lambda: services.post_message(
                session, tenant, conversation_id, who=who, body=body, uploads=uploads
            ),
            raise_on=(401, 403, 404),
        )
    if errors:
        return _conversation(
            page, session, conversation_id, errors=errors, values={"body": body}, status=422
        )
    return page.redirect(f"{HOME}conversations/{conversation_id}", message="Message sent.")


@pages.get("/attachments/{attachment_id}")
def attachment(page: ConsolePage, session: SessionDep, attachment_id: uuid.UUID) -> Response:
    tenant = services.tenant_of_attachment(session, attachment_id)
    who = services.operator_of(page.principal, tenant)  # type: ignore[arg-type]
    row, data = services.get_attachment(session, tenant, attachment_id, who=who)
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{row.id}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@pages.get("/notifications")
def notifications(
    page: ConsolePage, session: SessionDep, offset: Annotated[int, Query(ge=0)] = 0
) -> HTMLResponse:
    listing = services.operator_notifications_listing(
        session, user_id=_user_id(page), page=Page(limit=LIMIT, offset=offset)
    )
    return page.render(
        "messaging/platform/notifications.html",
        notifications=listing.data,
        count=listing.count,
        offset=offset,
        limit=LIMIT,
    )


@pages.post("/notifications/read")
def notifications_read(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    services.mark_operator_notifications_read(session, user_id=_user_id(page))
    return page.redirect(f"{HOME}notifications", message="All notifications marked read.")


@pages.get("/badge")
def badge(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """The unread badge and the latest unread notifications (polled by HTMX)."""
    user_id = _user_id(page)
    _, messages = services.operator_unread(session, principal=page.principal)  # type: ignore[arg-type]
    latest = services.operator_notifications_listing(
        session, user_id=user_id, page=Page(limit=5), unread_only=True
    )
    return page.render(
        "messaging/platform/badge.html",
        unread_messages=messages,
        unread_notifications=latest.count,
        latest=latest.data,
    )


def _preferences_context(page: PageContext, session: Session) -> dict[str, Any]:
    current = services.get_operator_preferences(session, user_id=_user_id(page))
    return {"preferences": current.preferences, "labels": OPERATOR_KIND_LABELS}


preferences_page = FormPage("messaging/platform/preferences.html", _preferences_context)


@pages.get("/preferences")
def preferences(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return preferences_page.show(page, session)


@pages.post("/preferences")
def save_preferences(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    data = OperatorPreferencesUpdate.model_validate(
        {
            "preferences": [
                {"kind": kind.value, "in_app": form.get(f"{kind.value}.in_app") == "on"}
                for kind in OperatorNotificationKind
            ]
        }
    )
    services.put_operator_preferences(session, user_id=_user_id(page), data=data)
    return page.redirect(f"{HOME}preferences", message="Preferences saved.")
