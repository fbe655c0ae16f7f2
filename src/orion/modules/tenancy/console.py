"""Console pages of tenancy: the tenant's dashboard, stores, team and invitations; the
operators' platforms, tenants and per-tenant module switches; accepting an invitation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, set_tenant
from orion.kernel.errors import NotFound, OrionError, Unauthenticated
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.web.console import ConsolePage, FormData, FormErrors, attempt, parse_form
from orion.kernel.web.console.shell import SESSION_COOKIE, TENANT_COOKIE
from orion.kernel.web.dependencies import RuntimeDep, SessionDep
from orion.modules.core import service as core
from orion.modules.tenancy import service
from orion.modules.tenancy.schemas import (
    InvitationAccept,
    PlatformCreate,
    StoreCreate,
    TenantCreate,
    TenantInvitationCreate,
)

pages = APIRouter()  # /console/tenancy/...
admin_pages = APIRouter()  # /console/platform/tenancy/...
public = APIRouter()  # /console/invitations/...

ROLES = (("user", "User"), ("staff", "Staff"), ("tenant_admin", "Tenant admin"))


# -- the tenant --------------------------------------------------------------------------------


@pages.get("/")
def dashboard(page: ConsolePage, session: SessionDep, runtime: RuntimeDep) -> HTMLResponse:
    tenant = page.tenant
    record = service.with_balance(session, service.get_tenant_record(session, tenant.tenant_id))
    _, stores = service.list_stores(session, tenant, page=Page(limit=1))
    _, members = service.list_members(session, tenant, page=Page(limit=1))
    modules = core.list_modules(session, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id)
    return page.render(
        "tenancy/console/dashboard.html",
        tenant=record,
        stores=stores,
        members=members,
        modules=[m for m in modules if m.enabled],
    )


def _stores_page(
    page: ConsolePage, session: Any, *, errors: FormErrors, values: dict, status: int = 200
) -> HTMLResponse:
    rows, count = service.list_stores(
        session, page.tenant, visible=page.principal.store_ids, page=Page(limit=200)
    )
    return page.render(
        "tenancy/console/stores.html",
        status=status,
        stores=rows,
        count=count,
        errors=errors,
        values=values,
        can_manage=page.can("tenancy.manage"),
    )


@pages.get("/stores")
def stores(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("tenancy.read")
    return _stores_page(page, session, errors={}, values={})


@pages.post("/stores")
def create_store(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("tenancy.manage")
    data, errors = parse_form(StoreCreate, form)
    if data is not None:
        store, errors = attempt(
            session,
            lambda: service.create_store(session, page.tenant, data=data),
            raise_on=(401, 403),
        )
        if store is not None:
            return page.redirect("/console/tenancy/stores", message=f"Store {store.name} created.")
    return _stores_page(page, session, errors=errors, values=form, status=422)


def _team_page(
    page: ConsolePage,
    session: Any,
    *,
    errors: FormErrors,
    values: dict,
    status: int = 200,
    invited: dict | None = None,
) -> HTMLResponse:
    members, _ = service.list_members(session, page.tenant, page=Page(limit=500))
    invitations, _ = service.list_invitations(session, page.tenant, page=Page(limit=100))
    return page.render(
        "tenancy/console/members.html",
        status=status,
        members=members,
        invitations=[service.invitation_public(i) for i in invitations],
        errors=errors,
        values=values,
        roles=ROLES,
        invited=invited,
    )


@pages.get("/members")
def members(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("tenancy.manage")
    return _team_page(page, session, errors={}, values={})


@pages.post("/invitations")
def invite(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    """Invite an email; the invitation mail carries the link (the email module sends it)."""
    page.require("tenancy.manage")
    data, errors = parse_form(TenantInvitationCreate, form)
    if data is not None:
        created, errors = attempt(
            session,
            lambda: service.create_invitation(
                session, page.tenant, data=data, invited_by=page.principal.user_id
            ),
            raise_on=(401, 403),
        )
        if created is not None:
            invitation, token = created
            # Shown once, like the API's accept_token: to pass on when the mail is not enough.
            base_url = page.runtime.settings.base_url.rstrip("/")
            link = f"{base_url}/console/invitations/accept?token={quote(token, safe='')}"
            return _team_page(
                page,
                session,
                errors={},
                values={},
                status=201,
                invited={"email": invitation.email, "link": link},
            )
    return _team_page(page, session, errors=errors, values=form, status=422)


@pages.post("/invitations/{invitation_id}/revoke")
def revoke_invitation(page: ConsolePage, session: SessionDep, invitation_id: uuid.UUID) -> Response:
    page.require("tenancy.manage")
    service.revoke_invitation(session, page.tenant, invitation_id)
    return page.redirect("/console/tenancy/members", message="The invitation is revoked.")


@pages.post("/members/{membership_id}/remove")
def remove_member(page: ConsolePage, session: SessionDep, membership_id: uuid.UUID) -> Response:
    page.require("tenancy.manage")
    try:
        service.remove_member(session, page.tenant, membership_id)
    except OrionError as exc:
        if exc.status != 409:
            raise
        return page.redirect("/console/tenancy/members", message=exc.message, level="error")
    return page.redirect("/console/tenancy/members", message="The member is removed.")


# -- invitations (anyone with the link) --------------------------------------------------------


@public.get("/invitations/accept")
def accept_form(
    page: ConsolePage, token: Annotated[str, Query(min_length=1, max_length=200)]
) -> HTMLResponse:
    return page.render("tenancy/console/accept.html", token=token, errors={}, values={})


@public.post("/invitations/accept")
def accept(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    """Join: create the account (or prove the existing one's password), then sign in."""
    data, errors = parse_form(InvitationAccept, form)
    if data is not None:
        accepted, errors = attempt(session, lambda: service.accept_invitation(session, data=data))
        if accepted is not None:
            response = page.redirect(
                "/console/sign-in", message=f"Welcome to {accepted.tenant_name}; sign in."
            )
            response.delete_cookie(SESSION_COOKIE, path="/console")
            return response
    return page.render(
        "tenancy/console/accept.html",
        status=422,
        token=form.get("token", ""),
        errors=errors,
        values=form,
    )


# -- choosing the tenant (users of several) ---------------------------------------------------


@public.get("/tenants/choose")
def choose_tenant(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """The tenants the signed-in user belongs to; the console acts in the one picked."""
    if page.principal is None or page.principal.user_id is None:
        raise Unauthenticated("sign in to choose a tenant")
    return page.render(
        "tenancy/console/choose.html",
        tenants=service.my_tenants(session, page.principal.user_id),
    )


@public.post("/tenants/choose")
def pick_tenant(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    if page.principal is None or page.principal.user_id is None:
        raise Unauthenticated("sign in to choose a tenant")
    mine = {str(t.tenant_id): t for t in service.my_tenants(session, page.principal.user_id)}
    chosen = mine.get(form.get("tenant_id", ""))
    if chosen is None:
        raise NotFound("you are not a member of that tenant")
    response = page.redirect("/console/", message=f"You are working in {chosen.name}.")
    response.set_cookie(
        TENANT_COOKIE,
        str(chosen.tenant_id),
        max_age=30 * 24 * 3600,
        path="/console",
        httponly=True,
        secure=page.request.url.scheme == "https",
        samesite="lax",
    )
    return response


# -- platform operators ------------------------------------------------------------------------


def _tenants_page(
    page: ConsolePage, session: Any, *, errors: FormErrors, values: dict, status: int = 200
) -> HTMLResponse:
    rows, count = service.list_tenants(session, page=Page(limit=200))
    platforms, _ = service.list_platforms(session, page=Page(limit=200))
    return page.render(
        "tenancy/console/tenants.html",
        status=status,
        tenants=service.tenant_overviews(session, rows),
        count=count,
        platform_options=[(str(p.id), p.name) for p in platforms],
        errors=errors,
        values=values,
    )


@admin_pages.get("/tenants")
def tenants(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return _tenants_page(page, session, errors={}, values={})


class TenantForm(TenantCreate):
    platform_id: uuid.UUID


@admin_pages.post("/tenants")
def create_tenant(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    data, errors = parse_form(TenantForm, form)
    if data is not None:
        wanted = TenantCreate(name=data.name, slug=data.slug, is_active=data.is_active)
        tenant, errors = attempt(
            session, lambda: service.create_tenant(session, data.platform_id, data=wanted)
        )
        if tenant is not None:
            return page.redirect(
                f"/console/platform/tenancy/tenants/{tenant.id}",
                message=f"Tenant {tenant.name} created.",
            )
    return _tenants_page(page, session, errors=errors, values=form, status=422)


def _tenant_detail(
    page: ConsolePage, session: Any, tenant_id: uuid.UUID, *, refusal: dict | None = None
) -> HTMLResponse:
    record = service.get_tenant_record(session, tenant_id)
    context = TenantContext(record.id, record.platform_id)
    set_tenant(session, context)  # the operator reads this tenant's rows
    stores, _ = service.list_stores(session, context, page=Page(limit=200))
    members, _ = service.list_members(session, context, page=Page(limit=200))
    modules = core.list_modules(session, platform_id=record.platform_id, tenant_id=record.id)
    return page.render(
        "tenancy/console/tenant.html",
        status=409 if refusal else 200,
        tenant=service.with_balance(session, record),
        stores=stores,
        members=members,
        modules=modules,
        refusal=refusal or {},
    )


@admin_pages.get("/tenants/{tenant_id}")
def tenant(page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID) -> HTMLResponse:
    return _tenant_detail(page, session, tenant_id)


class ModuleSwitch(BaseModel):
    enable: bool


@admin_pages.post("/tenants/{tenant_id}/modules/{code}")
def switch_module(
    page: ConsolePage,
    session: SessionDep,
    tenant_id: uuid.UUID,
    code: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,63}$")],
    form: FormData,
) -> Response:
    """Enable or disable a module for the tenant; a refusal is shown with its reason."""
    record = service.get_tenant_record(session, tenant_id)
    data, errors = parse_form(ModuleSwitch, form)
    if data is None:
        return _tenant_detail(page, session, tenant_id, refusal={code: errors.get("enable", "")})
    scope = ModuleScope(record.platform_id, record.id)
    try:
        with session.begin_nested():
            result = core.change_module(session, code, enable=data.enable, scope=scope)
    except OrionError as exc:
        if exc.status not in (404, 409):
            raise
        return _tenant_detail(page, session, tenant_id, refusal={code: exc.message})
    verb = "enabled" if data.enable else "disabled"
    changed = ", ".join(result.changed) or code
    return page.redirect(
        f"/console/platform/tenancy/tenants/{tenant_id}",
        message=f"{changed} {verb} for {record.name}.",
    )


@admin_pages.get("/stores")
def all_stores(
    page: ConsolePage,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Every tenant's stores, searchable by store or tenant."""
    rows, count = service.list_all_stores(
        session, search=search, page=Page(limit=100, offset=offset)
    )
    return page.render(
        "tenancy/console/all_stores.html",
        stores=rows,
        count=count,
        offset=offset,
        search=search or "",
    )


def _platforms_page(
    page: ConsolePage, session: Any, *, errors: FormErrors, values: dict, status: int = 200
) -> HTMLResponse:
    rows, count = service.list_platforms(session, page=Page(limit=200))
    return page.render(
        "tenancy/console/platforms.html",
        status=status,
        platforms=rows,
        count=count,
        errors=errors,
        values=values,
    )


@admin_pages.get("/platforms")
def platforms(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return _platforms_page(page, session, errors={}, values={})


@admin_pages.post("/platforms")
def create_platform(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    data, errors = parse_form(PlatformCreate, form)
    if data is not None:
        platform, errors = attempt(session, lambda: service.create_platform(session, data=data))
        if platform is not None:
            return page.redirect(
                "/console/platform/tenancy/platforms", message=f"Platform {platform.name} created."
            )
    return _platforms_page(page, session, errors=errors, values=form, status=422)
