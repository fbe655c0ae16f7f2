"""Console pages of email: the tenant's SMTP server, a test send, the message log; the
operators' outbox (every message recorded, with its state and links)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext
from orion.kernel.web.dependencies import SessionDep
from orion.modules.email import services
from orion.modules.email.schemas import (
    ConfigSource,
    EmailConfigUpdate,
    EmailTestSend,
    MessageState,
    TlsMode,
)
from orion.modules.email.services import local_outbox

pages = APIRouter()  # /console/email/...

TLS_OPTIONS = [(mode.value, mode.value) for mode in TlsMode]
HOME = "/console/email/"


def _settings(page: PageContext, session: Session) -> dict[str, Any]:
    config = services.find_config(session, page.tenant)
    current = services.public_config(config, ConfigSource.TENANT) if config else None
    messages, _ = services.list_messages(session, page.tenant, page=Page(limit=20))
    return {
        "config": current,
        "saved": current.model_dump(mode="json") if current else {"port": 587},
        "messages": messages,
        "test_errors": {},
        "tls_options": TLS_OPTIONS,
    }


settings_page = FormPage("email/console/settings.html", _settings)


@pages.get("/")
def settings(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("email.manage")
    return settings_page.show(page, session)


@pages.post("/config")
def save_config(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("email.manage")
    result = settings_page.run(
        session,
        form,
        EmailConfigUpdate,
        lambda data: services.put_config(session, page.tenant, data=data),
    )
    typed = {key: value for key, value in form.items() if key != "password"}  # never echoed
    return settings_page.outcome(
        page, session, typed, result, done=HOME, message="Mail settings saved."
    )


@pages.post("/config/delete")
def delete_config(page: ConsolePage, session: SessionDep) -> Response:
    page.require("email.manage")
    services.delete_config(session, page.tenant)
    return page.redirect(HOME, message="Mail goes through the platform's server.")


@pages.post("/test")
def send_test(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("email.manage")
    message, errors = settings_page.run(
        session,
        form,
        EmailTestSend,
        lambda data: services.send_test(session, page.tenant, to=data.to),
    )
    if message is None:  # the refusal is shown under the test form, not the server's
        return settings_page.show(page, session, test_errors=errors, status=422)
    return page.redirect(HOME, message=f"Test message to {message.to_address} queued.")


# -- platform operators: the outbox ------------------------------------------------------------

admin_pages = APIRouter()  # /console/platform/email/...
OUTBOX_LIMIT = 50
STATE_FILTERS = tuple(state.value for state in MessageState)


@admin_pages.get("/outbox")
def outbox(
    page: ConsolePage,
    session: SessionDep,
    state: Annotated[MessageState | None, Query()] = None,
    to: Annotated[str | None, Query(max_length=254)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Every message the email module recorded, every tenant's and the platform's: who it
    is for, its state, and (outside production, when no server took it) its links."""
    entries, count = local_outbox.outbox_entries(
        session, page=Page(limit=OUTBOX_LIMIT, offset=offset), state=state, to=to
    )
    query = "&".join(
        f"{name}={quote(value, safe='')}"
        for name, value in (("state", state.value if state else ""), ("to", to or ""))
        if value
    )
    return page.render(
        "email/console/outbox.html",
        entries=entries,
        count=count,
        offset=offset,
        limit=OUTBOX_LIMIT,
        state_filter=state.value if state else None,
        states=STATE_FILTERS,
        to=to or "",
        base=f"?{query}&" if query else "?",
        route=local_outbox.mail_route(session, None),
        local_copy=local_outbox.keeps_local_copy(session),
    )
