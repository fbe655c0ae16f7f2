"""Console pages of provider keys: the tenant's own keys; the platform's and every
tenant's keys for operators. Keys are typed in, never shown again (masked)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext
from orion.kernel.web.dependencies import SessionDep
from orion.modules.api_keys import service
from orion.modules.api_keys.schemas import AdminApiKeyCreate, Provider, TenantApiKeyCreate

pages = APIRouter()  # /console/api_keys/...
admin_pages = APIRouter()  # /console/platform/api_keys/...

PROVIDERS = [(p.value, p.value) for p in Provider]
LISTED = Page(limit=200)


def _tenant_keys(page: PageContext, session: Session) -> dict[str, Any]:
    rows, _ = service.list_tenant_keys(session, page.tenant, page=LISTED)
    return {
        "keys": rows,
        "providers": PROVIDERS,
        "action": "/console/api_keys/",
        "title": "Provider keys",
    }


def _platform_keys(page: PageContext, session: Session) -> dict[str, Any]:
    platform_id = page.runtime.directory.default_platform_id(session)
    rows, _ = service.list_admin_keys(session, platform_id, page=LISTED)
    tenant_keys, count = service.list_all_tenant_keys(session, page=LISTED)
    return {
        "keys": rows,
        "tenant_keys": tenant_keys,
        "tenant_key_count": count,
        "providers": PROVIDERS,
        "action": "/console/platform/api_keys/",
        "title": "Platform provider keys",
    }


keys_page = FormPage("api_keys/console/keys.html", _tenant_keys)
platform_page = FormPage("api_keys/console/platform.html", _platform_keys)


def _fields(form: dict[str, str], *checkboxes: str) -> dict[str, Any]:
    fields: dict[str, Any] = dict(form)
    for name in checkboxes:
        fields[name] = form.get(name) == "on"
    return fields


def _typed_back(form: dict[str, str]) -> dict[str, str]:
    """What a refused form shows again: everything but the key."""
    return {k: v for k, v in form.items() if k != "api_key"}


@pages.get("/")
def keys(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("api_keys.manage")
    return keys_page.show(page, session)


@pages.post("/")
def add_key(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("api_keys.manage")
    stored = keys_page.run(
        session,
        _fields(form, "validate_key"),
        TenantApiKeyCreate,
        lambda data: service.create_tenant_key(
            session, page.tenant, data=data, created_by=page.principal.user_id
        ),
    )
    return keys_page.outcome(
        page,
        session,
        _typed_back(form),
        stored,
        done="/console/api_keys/",
        message="The key is stored.",
    )


@pages.post("/{key_id}/delete")
def delete_key(page: ConsolePage, session: SessionDep, key_id: uuid.UUID) -> Response:
    page.require("api_keys.manage")
    service.delete_tenant_key(session, page.tenant, key_id)
    return page.redirect("/console/api_keys/", message="The key is removed.")


@admin_pages.get("/")
def platform_keys(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return platform_page.show(page, session)


@admin_pages.post("/")
def add_platform_key(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    platform_id = page.runtime.directory.default_platform_id(session)
    stored = platform_page.run(
        session,
        _fields(form, "validate_key", "allow_tenants"),
        AdminApiKeyCreate,
        lambda data: service.create_admin_key(session, platform_id, data=data),
    )
    return platform_page.outcome(
        page,
        session,
        _typed_back(form),
        stored,
        done="/console/platform/api_keys/",
        message="The key is stored.",
    )
