"""Console pages of tenancy for platform operators (/console/platform/tenancy/...): the
platforms, the tenants, and one tenant's page: its modules, its first admin's invitation,
its stores, deactivating and reactivating it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext
from orion.kernel.web.dependencies import SessionDep
from orion.modules.core import service as core
from orion.modules.tenancy import services
from orion.modules.tenancy.console_support import ROLES, invitation_sent
from orion.modules.tenancy.schemas import (
    PlatformCreate,
    StoreCreate,
    TenantAdminUpdate,
    TenantCreate,
    TenantInvitationCreate,
)

admin_pages = APIRouter()  # /console/platform/tenancy/...

LISTED = Page(limit=200)
TENANTS = "/console/platform/tenancy/tenants"


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
        done=lambda tenant: f"{TENANTS}/{tenant.id}",
        message=lambda tenant: (
            f"Tenant {tenant.name} created. Next: invite its first admin and add its store."
        ),
    )


# -- one tenant --------------------------------------------------------------------------------

tenant_page = FormPage("tenancy/console/tenant.html")


def _tenant_detail(session: Session, tenant_id: uuid.UUID) -> dict[str, Any]:
    """What the operator sees of one tenant, read acting for it."""
    record = services.get_tenant_record(session, tenant_id)
    with acting_for(session, TenantContext(record.id, record.platform_id)) as tenant:
        stores, _ = services.list_stores(session, tenant, page=LISTED)
        members, _ = services.list_members(session, tenant, page=LISTED)
        invitations, _ = services.list_invitations(
            session, tenant, status="pending", page=Page(limit=50)
        )
        return {
            "tenant": services.with_balance(session, record),
            "stores": stores,
            "members": members,
            "invitations": invitations,
            "modules": core.list_modules(
                session, platform_id=record.platform_id, tenant_id=record.id
            ),
            "roles": ROLES,
            "refusal": {},
            "failed": None,  # which form the errors are for: "invite" or "store"
            "invited": None,
        }


def _context(session: Session, tenant_id: uuid.UUID) -> TenantContext:
    record = services.get_tenant_record(session, tenant_id)
    return TenantContext(record.id, record.platform_id)


@admin_pages.get("/tenants/{tenant_id}")
def tenant(page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID) -> HTMLResponse:
    return tenant_page.show(page, session, **_tenant_detail(session, tenant_id))


@admin_pages.post("/tenants/{tenant_id}/invitations")
def invite(
    page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID, form: FormData
) -> Response:
    """Invite someone (the tenant's first admin, most often) as the operator; the page says
    whether the mail went and shows the link once either way."""
    target = _context(session, tenant_id)
    created, errors = tenant_page.run(
        session,
        form,
        TenantInvitationCreate,
        lambda data: services.create_invitation(
            session, target, data=data, invited_by=page.principal.user_id
        ),
    )
    if created is None:
        detail = _tenant_detail(session, tenant_id) | {"failed": "invite"}
        return tenant_page.show(page, session, errors=errors, values=form, status=422, **detail)
    invitation, token = created
    sent = invitation_sent(
        page, session, target, email=invitation.email, token=token, expires_at=invitation.expires_at
    )
    return tenant_page.show(
        page, session, status=201, **(_tenant_detail(session, tenant_id) | {"invited": sent})
    )


@admin_pages.post("/tenants/{tenant_id}/stores")
def add_store(
    page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID, form: FormData
) -> Response:
    target = _context(session, tenant_id)
    result = tenant_page.run(
        session,
        form,
        StoreCreate,
        lambda data: services.create_store(session, target, data=data),
    )
    if result[0] is None:
        detail = _tenant_detail(session, tenant_id) | {"failed": "store"}
        return tenant_page.show(page, session, errors=result[1], values=form, status=422, **detail)
    store = result[0]
    return page.redirect(f"{TENANTS}/{tenant_id}", message=f"Store {store.name} added.")


@admin_pages.get("/tenants/{tenant_id}/deactivate")
def confirm_deactivation(
    page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID
) -> HTMLResponse:
    """What deactivating does, before it is done."""
    detail = _tenant_detail(session, tenant_id)
    return page.render(
        "tenancy/console/deactivate.html",
        tenant=detail["tenant"],
        members=detail["members"],
        stores=detail["stores"],
    )


@admin_pages.post("/tenants/{tenant_id}/deactivate")
def deactivate(page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID) -> Response:
    record = services.update_tenant(session, tenant_id, data=TenantAdminUpdate(is_active=False))
    return page.redirect(
        f"{TENANTS}/{tenant_id}",
        message=f"{record.name} is deactivated: its members cannot reach it and its tasks "
        "stop; nothing is deleted.",
    )


@admin_pages.post("/tenants/{tenant_id}/reactivate")
def reactivate(page: ConsolePage, session: SessionDep, tenant_id: uuid.UUID) -> Response:
    record = services.update_tenant(session, tenant_id, data=TenantAdminUpdate(is_active=True))
    return page.redirect(
        f"{TENANTS}/{tenant_id}", message=f"{record.name} is active again; its members are back."
    )


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
    return page.redirect(f"{TENANTS}/{tenant_id}", message=f"{changed} {verb} for {record.name}.")


def _first(errors: dict[str, str]) -> str:
    return next(iter(errors.values()), "")


# -- every store, the platforms ----------------------------------------------------------------


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
