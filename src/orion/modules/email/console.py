"""Console page of email: the tenant's SMTP server, a test send, the message log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from orion.kernel.data.paging import Page
from orion.kernel.web.console import ConsolePage, FormData, FormErrors, attempt, parse_form
from orion.kernel.web.dependencies import SessionDep
from orion.modules.email import service
from orion.modules.email.schemas import ConfigSource, EmailConfigUpdate, EmailTestSend, TlsMode

pages = APIRouter()  # /console/email/...

TLS_OPTIONS = [(mode.value, mode.value) for mode in TlsMode]


def _settings_page(
    page: ConsolePage,
    session: Any,
    *,
    errors: FormErrors | None = None,
    test_errors: FormErrors | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    config = service.find_config(session, page.tenant)
    current = service.public_config(config, ConfigSource.TENANT) if config else None
    messages, _ = service.list_messages(session, page.tenant, page=Page(limit=20), state=None)
    if values is None:
        values = current.model_dump(mode="json") if current else {"port": 587}
    return page.render(
        "email/console/settings.html",
        status=status,
        config=current,
        messages=messages,
        errors=errors or {},
        test_errors=test_errors or {},
        values=values,
        tls_options=TLS_OPTIONS,
    )


@pages.get("/")
def settings(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("email.manage")
    return _settings_page(page, session)


@pages.post("/config")
def save_config(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("email.manage")
    data, errors = parse_form(EmailConfigUpdate, form)
    if data is not None:
        _, errors = attempt(
            session,
            lambda: service.put_config(session, page.tenant, data=data),
            raise_on=(401, 403),
        )
        if not errors:
            return page.redirect("/console/email/", message="Mail settings saved.")
    values = {key: value for key, value in form.items() if key != "password"}
    return _settings_page(page, session, errors=errors, values=values, status=422)


@pages.post("/config/delete")
def delete_config(page: ConsolePage, session: SessionDep) -> Response:
    page.require("email.manage")
    service.delete_config(session, page.tenant)
    return page.redirect("/console/email/", message="Mail goes through the platform's server.")


@pages.post("/test")
def send_test(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("email.manage")
    data, errors = parse_form(EmailTestSend, form)
    if data is not None:
        message, errors = attempt(
            session,
            lambda: service.send_test(session, page.tenant, to=data.to),
            raise_on=(401, 403),
        )
        if message is not None:
            return page.redirect(
                "/console/email/", message=f"Test message to {message.to_address} queued."
            )
    return _settings_page(page, session, test_errors=errors, status=422)
