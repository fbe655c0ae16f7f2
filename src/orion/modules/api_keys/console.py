"""Console pages of provider keys: the tenant's own keys; the platform's and every
tenant's keys for operators. Keys are typed in, never shown again (masked)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from orion.kernel.data.paging import Page
from orion.kernel.web.console import ConsolePage, FormData, FormErrors, attempt, parse_form
from orion.kernel.web.dependencies import RuntimeDep, SessionDep
from orion.modules.api_keys import service
from orion.modules.api_keys.schemas import AdminApiKeyCreate, Provider, TenantApiKeyCreate

pages = APIRouter()  # /console/api_keys/...
admin_pages = APIRouter()  # /console/platform/api_keys/...

PROVIDERS = [(p.value, p.value) for p in Provider]


def _fields(form: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: v for k, v in form.items() if k != "validate_key"}
    fields["validate_key"] = form.get("validate_key") == "on"
    return fields


def _keys_page(
    page: ConsolePage,
    session: Any,
    *,
    errors: FormErrors | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows, _ = service.list_tenant_keys(session, page.tenant, page=Page(limit=200))
    return page.render(
        "api_keys/console/keys.html",
        status=status,
        keys=rows,
        errors=errors or {},
        values=values or {},
        providers=PROVIDERS,
        action="/console/api_keys/",
        title="Provider keys",
    )


@pages.get("/")
def keys(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("api_keys.manage")
    return _keys_page(page, session)


@pages.post("/")
def add_key(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("api_keys.manage")
    data, errors = parse_form(TenantApiKeyCreate, _fields(form))
    if data is not None:
        key, errors = attempt(
            session,
            lambda: service.create_tenant_key(
                session, page.tenant, data=data, created_by=page.principal.user_id
            ),
        )
        if key is not None:
            return page.redirect("/console/api_keys/", message="The key is stored.")
    values = {k: v for k, v in form.items() if k != "api_key"}
    return _keys_page(page, session, errors=errors, values=values, status=422)


@pages.post("/{key_id}/delete")
def delete_key(page: ConsolePage, session: SessionDep, key_id: uuid.UUID) -> Response:
    page.require("api_keys.manage")
    service.delete_tenant_key(session, page.tenant, key_id)
    return page.redirect("/console/api_keys/", message="The key is removed.")


def _platform_page(
    page: ConsolePage,
    session: Any,
    runtime: Any,
    *,
    errors: FormErrors | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    platform_id = runtime.directory.default_platform_id(session)
    rows, _ = service.list_admin_keys(session, platform_id, page=Page(limit=200))
    tenant_keys, count = service.list_all_tenant_keys(session, page=Page(limit=200))
    return page.render(
        "api_keys/console/platform.html",
        status=status,
        keys=rows,
        tenant_keys=tenant_keys,
        tenant_key_count=count,
        errors=errors or {},
        values=values or {},
        providers=PROVIDERS,
        action="/console/platform/api_keys/",
        title="Platform provider keys",
    )


@admin_pages.get("/")
def platform_keys(page: ConsolePage, session: SessionDep, runtime: RuntimeDep) -> HTMLResponse:
    return _platform_page(page, session, runtime)


@admin_pages.post("/")
def add_platform_key(
    page: ConsolePage, session: SessionDep, runtime: RuntimeDep, form: FormData
) -> Response:
    fields = _fields(form)
    fields["allow_tenants"] = form.get("allow_tenants") == "on"
    data, errors = parse_form(AdminApiKeyCreate, fields)
    if data is not None:
        platform_id = runtime.directory.default_platform_id(session)
        key, errors = attempt(
            session, lambda: service.create_admin_key(session, platform_id, data=data)
        )
        if key is not None:
            return page.redirect("/console/platform/api_keys/", message="The key is stored.")
    values = {k: v for k, v in form.items() if k != "api_key"}
    return _platform_page(page, session, runtime, errors=errors, values=values, status=422)
