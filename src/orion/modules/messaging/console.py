"""Messaging console pages: conversations with unread counts, a conversation with its
messages, attachments and a reply form, notifications (with an HTMX-polled badge) and
preferences. Mounted under /console/messaging/ for the tenants that have the module on.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from orion.kernel.data.paging import Page
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext, attempt
from orion.kernel.web.console.shell import PostedForm
from orion.kernel.web.dependencies import SessionDep
from orion.kernel.web.limits import accepts_upload
from orion.modules.messaging import services
from orion.modules.messaging.schemas import (
    KIND_LABELS,
    ConversationCreate,
    NotificationKind,
    PreferencesUpdate,
)
from orion.modules.messaging.services.attachments import messaging_settings
from orion.modules.tenancy import services as tenancy

pages = APIRouter()  # /console/messaging/...

HOME = "/console/messaging/"
ALL = Page(limit=200)


def _who(page: PageContext) -> services.Participant:
    return services.participant_of(page.principal, page.tenant)


def _index_context(page: PageContext, session) -> dict:  # type: ignore[no-untyped-def]
    stores, _ = tenancy.list_stores(session, page.tenant)
    return {
        "conversations": services.conversations_listing(
            session, page.tenant, who=_who(page), page=ALL
        ).data,
        "stores": [(str(s.id), s.name) for s in stores],
    }


index_page = FormPage("messaging/console/index.html", _index_context)


@pages.get("/")
def index(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("messaging.read")
    return index_page.show(page, session)


@pages.post("/")
def create_conversation(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("messaging.write")
    return index_page.submit(
        page,
        session,
        form,
        ConversationCreate,
        lambda data: services.create_conversation(session, page.tenant, who=_who(page), data=data),
        done=lambda conversation: f"{HOME}conversations/{conversation.id}",
        message="Conversation opened.",
    )


def _conversation(page: PageContext, session, conversation_id: uuid.UUID, **extra) -> HTMLResponse:  # type: ignore[no-untyped-def]
    who = _who(page)
    conversation = services.get_conversation(session, page.tenant, conversation_id, who=who)
    messages = services.messages_listing(
        session, page.tenant, conversation_id, who=who, page=Page(limit=500)
    ).data
    services.mark_read(session, page.tenant, conversation_id, who=who)
    extra.setdefault("errors", {})
    extra.setdefault("values", {})
    return page.render(
        "messaging/console/conversation.html",
        conversation=conversation,
        messages=messages,
        **extra,
    )


@pages.get("/conversations/{conversation_id}")
def conversation(
    page: ConsolePage, session: SessionDep, conversation_id: uuid.UUID
) -> HTMLResponse:
    page.require("messaging.read")
    return _conversation(page, session, conversation_id)


@pages.post("/conversations/{conversation_id}")
@accepts_upload()  # attachments: up to the deployment's upload limit
async def reply(
    page: ConsolePage, session: SessionDep, conversation_id: uuid.UUID, form: PostedForm
) -> Response:
    page.require("messaging.write")
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
    if not body:
        errors = {"body": "write a message"}
    else:
        _, errors = attempt(
            session,
            lambda: services.post_message(
                session, page.tenant, conversation_id, who=_who(page), body=body, uploads=uploads
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
    page.require("messaging.read")
    row, data = services.get_attachment(session, page.tenant, attachment_id, who=_who(page))
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{row.id}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@pages.get("/notifications")
def notifications(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("messaging.read")
    rows = services.notifications_listing(
        session, page.tenant, user_id=page.principal.user_id, page=ALL
    ).data
    return page.render("messaging/console/notifications.html", notifications=rows)


@pages.post("/notifications/read")
def notifications_read(page: ConsolePage, session: SessionDep) -> Response:
    page.require("messaging.read")
    services.mark_notifications_read(session, page.tenant, user_id=page.principal.user_id)
    return page.redirect(f"{HOME}notifications", message="All notifications marked read.")


@pages.get("/badge")
def badge(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """The unread badge and the latest unread notifications (polled by HTMX)."""
    page.require("messaging.read")
    user_id = page.principal.user_id
    conversations, messages = services.unread_messages(session, page.tenant, who=_who(page))
    latest = services.notifications_listing(
        session, page.tenant, user_id=user_id, page=Page(limit=5), unread_only=True
    )
    return page.render(
        "messaging/console/badge.html",
        unread_conversations=conversations,
        unread_messages=messages,
        unread_notifications=latest.count,
        latest=latest.data,
    )


def _preferences_context(page: PageContext, session) -> dict:  # type: ignore[no-untyped-def]
    current = services.get_preferences(session, page.tenant, user_id=page.principal.user_id)
    return {"preferences": current.preferences, "labels": KIND_LABELS}


preferences_page = FormPage("messaging/console/preferences.html", _preferences_context)


@pages.get("/preferences")
def preferences(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("messaging.read")
    return preferences_page.show(page, session)


@pages.post("/preferences")
def save_preferences(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("messaging.read")
    data = PreferencesUpdate.model_validate(
        {
            "preferences": [
                {
                    "kind": kind.value,
                    "in_app": form.get(f"{kind.value}.in_app") == "on",
                    "digest": form.get(f"{kind.value}.digest") == "on",
                }
                for kind in NotificationKind
            ]
        }
    )
    services.put_preferences(session, page.tenant, user_id=page.principal.user_id, data=data)
    return page.redirect(f"{HOME}preferences", message="Preferences saved.")
