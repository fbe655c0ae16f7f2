"""Console pages of tenancy: the tenant's dashboard, stores, team and invitations; accepting
an invitation; choosing a tenant. The operators' pages are in console_operators.py (their
router is `admin_pages`, named here for the definition)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.errors import NotFound, Unauthenticated
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext
from orion.kernel.web.console.shell import SESSION_COOKIE, TENANT_COOKIE
from orion.kernel.web.dependencies import SessionDep
from orion.modules.core import service as core
from orion.modules.tenancy import services
from orion.modules.tenancy.console_operators import admin_pages
from orion.modules.tenancy.console_support import ROLES, invitation_sent, role_label
from orion.modules.tenancy.exceptions import LastTenantAdmin
from orion.modules.tenancy.schemas import InvitationAccept, StoreCreate, TenantInvitationCreate

pages = APIRouter()  # /console/tenancy/...
public = APIRouter()  # /console/invitations/...

__all__ = ["admin_pages", "pages", "public"]

LISTED = Page(limit=200)


# -- the tenant --------------------------------------------------------------------------------


@pages.get("/")
def dashboard(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """The tenant's home: what to do first, then what it uses and spends, from tenancy and
    every module on for it that provides dashboard cards."""
    tenant = page.tenant
    record = services.get_tenant_record(session, tenant.tenant_id)
    modules = core.list_modules(session, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id)
    board = services.dashboard(session, tenant)
    charts = [
        {"id": f"chart-{n}", "title": card.title, "points": [list(p) for p in card.series]}
        for n, card in enumerate(board.cards)
        if card.series
    ]
    return page.render(
        "tenancy/console/dashboard.html",
        tenant=record,
        board=board,
        charts=charts,
        modules=[m for m in modules if m.enabled and m.tier == "optional"],
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
    """Invite an email; the page says whether the mail went (the email module sends it) and
    shows the link once either way."""
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
    # Shown once, like the API's accept_token, with what became of the mail.
    sent = invitation_sent(
        page,
        session,
        page.tenant,
        email=invitation.email,
        token=token,
        expires_at=invitation.expires_at,
    )
    return team_page.show(page, session, status=201, invited=sent)


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
GONE = {"unknown": 404, "accepted": 410, "revoked": 410, "expired": 410, "suspended": 409}


def _accept_context(session: Session, token: str) -> dict[str, Any]:
    invitation = services.preview_invitation(session, token)
    return {
        "token": token,
        "invitation": invitation,
        "role_label": role_label(invitation.role),
    }


@public.get("/invitations/accept")
def accept_form(
    page: ConsolePage,
    session: SessionDep,
    token: Annotated[str, Query(min_length=1, max_length=200)],
) -> HTMLResponse:
    """Who invited whom to which tenant as what, and the form to join; or plainly why the
    link no longer works."""
    shown = _accept_context(session, token)
    status = GONE.get(shown["invitation"].status, 200)
    return accept_page.show(page, session, status=status, **shown)


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
        token = str(form.get("token", ""))[:200]
        shown = _accept_context(session, token) if token else {"token": "", "invitation": None}
        return accept_page.show(page, session, errors=errors, values=form, status=422, **shown)
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
