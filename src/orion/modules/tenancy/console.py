"""Console pages of tenancy: the tenant's dashboard, stores, team and invitations; the
operators' platforms, tenants and per-tenant module switches; accepting an invitation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import NotFound, Unauthenticated
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext
from orion.kernel.web.console.shell import SESSION_COOKIE, TENANT_COOKIE
from orion.kernel.web.dependencies import SessionDep
from orion.modules.core import service as core
from orion.modules.tenancy import services
from orion.modules.tenancy.exceptions import LastTenantAdmin
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
LISTED = Page(limit=200)


# -- the tenant --------------------------------------------------------------------------------


@pages.get("/")
def dashboard(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    tenant = page.tenant
    record = services.with_balance(session, services.get_tenant_record(session, tenant.tenant_id))
    _, stores = services.list_stores(session, tenant, page=Page(limit=1))
    _, members = services.list_members(session, tenant, page=Page(limit=1))
    modules = core.list_modules(session, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id)
    return page.render(
        "tenancy/console/dashboard.html",
        tenant=record,
        stores=stores,
        members=members,
        modules=[m for m in modules if m.enabled],
    )


def _stores(page: PageContext, session: Session) -> dict[str, Any]:
    rows, count = services.list_stores(
        session, page.tenant, visible=page.principal.store_ids, page=LISTED
    )
    return {"stores": rows, "count": count, "can_manage": page.can("tenancy.manage")}


stores_page = FormPage("tenancy/console/stores.html", _stores)


@pages.get("/stores")
def stores(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("tenancy.read")
    return stores_page.show(page, session)


@pages.post("/stores")
def create_store(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("tenancy.manage")
    return stores_page.submit(
        page,
        session,
        form,
        StoreCreate,
        lambda data: services.create_store(session, page.tenant, data=data),
        done="/console/tenancy/stores",
        message=lambda store: f"Store {store.name} created.",
    )


def _team(page: PageContext, session: Session) -> dict[str, Any]:
    members, _ = services.list_members(session, page.tenant, page=Page(limit=500))
    invitations, _ = services.list_invitations(session, page.tenant, page=Page(limit=100))
    return {"members": members, "invitations": invitations, "roles": ROLES, "invited": None}


team_page = FormPage("tenancy/console/members.html", _team)


@pages.get("/members")
def members(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("tenancy.manage")
    return team_page.show(page, session)


@pages.post("/invitations")
def invite(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    """Invite an email; the invitation mail carries the link (the email module sends it)."""
    page.require("tenancy.manage")
    created, errors = team_page.run(
        session,
        form,
        TenantInvitationCreate,
        lambda data: services.create_invitation(
            session, page.tenant, data=data, invited_by=page.principal.user_id
        ),
    )
    if created is None:
        return team_page.show(page, session, errors=errors, values=form, status=422)
    invitation, token = created
    # Shown once, like the API's accept_token: to pass on when the mail is not enough.
    base_url = page.runtime.settings.base_url.rstrip("/")
    link = f"{base_url}/console/invitations/accept?token={quote(token, safe='')}"
    return team_page.show(
        page, session, status=201, invited={"email": invitation.email, "link": link}
    )


@pages.post("/invitations/{invitation_id}/revoke")
def revoke_invitation(page: ConsolePage, session: SessionDep, invitation_id: uuid.UUID) -> Response:
    page.require("tenancy.manage")
    services.revoke_invitation(session, page.tenant, invitation_id)
    return page.redirect("/console/tenancy/members", message="The invitation is revoked.")


@pages.post("/members/{membership_id}/remove")
def remove_member(page: ConsolePage, session: SessionDep, membership_id: uuid.UUID) -> Response:
    page.require("tenancy.manage")
    try:
        services.remove_member(session, page.tenant, membership_id)
    except LastTenantAdmin as exc:
        # A button, not a form: the refusal is the next page's message, not a field error.
        return page.redirect("/console/tenancy/members", message=exc.message, level="error")
    return page.redirect("/console/tenancy/members", message="The member is removed.")


# -- invitations (anyone with the link) --------------------------------------------------------

accept_page = FormPage("tenancy/console/accept.html")


@public.get("/invitations/accept")
def accept_form(
    page: ConsolePage,
    session: SessionDep,
    token: Annotated[str, Query(min_length=1, max_length=200)],
) -> HTMLResponse:
    return accept_page.show(page, session, token=token)


@public.post("/invitations/accept")
def accept(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    """Join: create the account (or prove the existing one's password), then sign in."""
    accepted, errors = accept_page.run(
        session,
        form,
        InvitationAccept,
        lambda data: services.accept_invitation(session, data=data),
        raise_on=(),  # a wrong password (401) or a disabled account (403) is told on the form
    )
    if accepted is None:
        return accept_page.show(
            page, session, errors=errors, values=form, status=422, token=form.get("token", "")
        )
    response = page.redirect(
        "/console/sign-in", message=f"Welcome to {accepted.tenant_name}; sign in."
    )
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


# -- choosing the tenant (users of several) ---------------------------------------------------


@public.get("/tenants/choose")
def choose_tenant(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """The tenants the signed-in user belongs to; the console acts in the one picked."""
    if page.principal is None or page.principal.user_id is None:
        raise Unauthenticated("sign in to choose a tenant")
    return page.render(
        "tenancy/console/choose.html",
        tenants=services.my_tenants(session, page.principal.user_id),
    )


@public.post("/tenants/choose")
def pick_tenant(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    if page.principal is None or page.principal.user_id is None:
        raise Unauthenticated("sign in to choose a tenant")
    mine = {str(t.tenant_id): t for t in services.my_tenants(session, page.principal.user_id)}
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


def _tenants(page: PageContext, session: Session) -> dict[str, Any]:
    rows, count = services.list_tenants(session, page=LISTED)
    platforms, _ = services.list_platforms(session, page=LISTED)
    return {
        "tenants": services.tenant_overviews(session, rows),
        "count": count,
        "platform_options": [(str(p.id), p.name) for p in platforms],
    }


tenants_page = FormPage("tenancy/console/tenants.html", _tenants)


@admin_pages.get("/tenants")
def tenants(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return tenants_page.show(page, session)


class TenantForm(TenantCreate):
    platform_id: uuid.UUID


@admin_pages.post("/tenants")
def create_tenant(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    def create(data: TenantForm) -> Any:
        wanted = TenantCreate(name=data.name, slug=data.slug, is_active=data.is_active)
        return services.create_tenant(session, data.platform_id, data=wanted)

    return tenants_page.submit(
        page,
        session,
        form,
        TenantForm,
        create,
        done=lambda tenant: f"/console/platform/tenancy/tenants/{tenant.id}",
        message=lambda tenant: f"Tenant {tenant.name} created.",
    )


tenant_page = FormPage("tenancy/console/tenant.html")


def _tenant_detail(session: Session, tenant_id: uuid.UUID) -> dict[str, Any]:
    """What the operator sees of one tenant, read acting for it."""
    record = services.get_tenant_record(session, tenant_id)
    with acting_for(session, TenantContext(record.id, record.platform_id)) as tenant:
        stores, _ = services.list_stores(session, tenant, page=LISTED)
        members, _ = services.list_members(session, tenant, page=LISTED)
        return {
            "tenant": services.with_balance(session, record),
            "stores": stores,
            "members": members,
            "modules": core.list_modules(
                session, platform_id=record.platform_id, tenant_id=record.id
            ),
            "refusal": {},
        }


@admin_pages.get("/tenants/{tenant_id}")
def tenant(page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID) -> HTMLResponse:
    return tenant_page.show(page, session, **_tenant_detail(session, tenant_id))


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
    record = services.get_tenant_record(session, tenant_id)
    scope = ModuleScope(record.platform_id, record.id)

    def switch(data: ModuleSwitch) -> tuple[bool, Any]:
        return data.enable, core.change_module(session, code, enable=data.enable, scope=scope)

    switched, errors = tenant_page.run(session, form, ModuleSwitch, switch)
    if switched is None:
        # Shown beside the module's switch, not as a form's field errors.
        detail = _tenant_detail(session, tenant_id) | {"refusal": {code: _first(errors)}}
        return tenant_page.show(page, session, status=409, **detail)
    enabled, result = switched
    verb = "enabled" if enabled else "disabled"
    changed = ", ".join(result.changed) or code
    return page.redirect(
        f"/console/platform/tenancy/tenants/{tenant_id}",
        message=f"{changed} {verb} for {record.name}.",
    )


def _first(errors: dict[str, str]) -> str:
    return next(iter(errors.values()), "")


@admin_pages.get("/stores")
def all_stores(
    page: ConsolePage,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Every tenant's stores, searchable by store or tenant."""
    rows, count = services.list_all_stores(
        session, search=search, page=Page(limit=100, offset=offset)
    )
    return page.render(
        "tenancy/console/all_stores.html",
        stores=rows,
        count=count,
        offset=offset,
        search=search or "",
    )


def _platforms(page: PageContext, session: Session) -> dict[str, Any]:
    rows, count = services.list_platforms(session, page=LISTED)
    return {"platforms": rows, "count": count}


platforms_page = FormPage("tenancy/console/platforms.html", _platforms)


@admin_pages.get("/platforms")
def platforms(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return platforms_page.show(page, session)


@admin_pages.post("/platforms")
def create_platform(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    return platforms_page.submit(
        page,
        session,
        form,
        PlatformCreate,
        lambda data: services.create_platform(session, data=data),
        done="/console/platform/tenancy/platforms",
        message=lambda platform: f"Platform {platform.name} created.",
    )
