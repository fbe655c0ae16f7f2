"""Console pages of auth: signing in and out, password reset, the user's API tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator, BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from orion.kernel.contract.points import MAIL_DELIVERY, MailRoute
from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext, parse_form
from orion.kernel.web.console.shell import (
    SESSION_COOKIE,
    TENANT_COOKIE,
    PostedForm,
    error_fields,
)
from orion.kernel.web.dependencies import SessionDep
from orion.modules.auth import services
from orion.modules.auth.dependencies import ClientAddress
from orion.modules.auth.schemas import AccessTokenCreate, NewPassword
from orion.modules.auth.throttle import auth_settings

public = APIRouter()  # /console/...: no sign-in needed
pages = APIRouter()  # /console/auth/...: a signed-in tenant member


class SignIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)


def _safe_next(target: str | None) -> str:
    """Only console paths: never an open redirect to another site."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return "/console/"


@public.get("/sign-in")
def sign_in_form(page: ConsolePage, next: Annotated[str | None, Query()] = None) -> HTMLResponse:
    return page.render("auth/console/sign_in.html", errors={}, email="", next=_safe_next(next))


@public.post("/sign-in")
def sign_in(
    page: ConsolePage,
    session: SessionDep,
    address: ClientAddress,
    form: FormData,
    next: Annotated[str | None, Query()] = None,
) -> Response:
    target = _safe_next(form.get("next") or next)
    data, errors = parse_form(SignIn, form)
    cookie = None
    if data is not None:
        # Not FormPage: its savepoint would roll back the counted failure (the refusal
        # keeps its changes), and a refused sign-in answers 401.
        try:
            cookie = services.console_sign_in(
                session, email=data.email, password=data.password, address=address
            )
        except OrionError as exc:  # wrong password (counted), throttled, disabled
            errors = {"form": exc.message}
    if cookie is None:
        return page.render(
            "auth/console/sign_in.html",
            status=401 if "form" in errors else 422,
            errors=errors,
            email=form.get("email", ""),
            next=target,
        )
    response = page.redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(services.CONSOLE_SESSION.total_seconds()),
        path="/console",
        httponly=True,
        secure=page.request.url.scheme == "https",
        samesite="lax",
    )
    response.delete_cookie(TENANT_COOKIE, path="/console")
    return response


@public.post("/sign-out")
def sign_out(page: ConsolePage, session: SessionDep) -> Response:
    cookie = page.request.cookies.get(SESSION_COOKIE)
    if cookie:
        services.console_sign_out(session, cookie)
    response = page.redirect("/console/sign-in", message="You are signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    response.delete_cookie(TENANT_COOKIE, path="/console")
    return response


class ResetRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)


@public.get("/password-reset")
def password_reset_form(
    page: ConsolePage, token: Annotated[str | None, Query(max_length=512)] = None
) -> HTMLResponse:
    """Ask for a reset mail, or (with the mailed token) choose the new password."""
    return page.render(
        "auth/console/password_reset.html", token=token, errors={}, sent=False, email=""
    )


@public.post("/password-reset/request")
def request_reset(page: ConsolePage, session: SessionDep, form: FormData) -> HTMLResponse:
    data, errors = parse_form(ResetRequest, form)
    if data is not None:
        # The same answer whether the account exists or not; what it says of the mail is
        # the deployment's, never the account's.
        services.request_password_reset(session, data.email)
    return page.render(
        "auth/console/password_reset.html",
        status=200 if data else 422,
        token=None,
        errors=errors,
        sent=data is not None,
        email=data.email if data else form.get("email", ""),
        route=_mail_route(page, session) if data else None,
        minutes=auth_settings(page.runtime).password_reset_minutes,
    )


def _mail_route(page: PageContext, session: Session) -> MailRoute | None:
    """How platform mail (a reset link) leaves this deployment; None: no email module."""
    route_of = page.runtime.registry.provider(MAIL_DELIVERY)
    return route_of(session, None) if route_of is not None else None


@public.post("/password-reset")
def reset_password(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    data, errors = parse_form(NewPassword, form)
    status = 422
    if data is not None:
        # Not FormPage: the page answers with the refusal's own status (400 unknown, 409
        # used, 410 expired token), where FormPage answers every refusal with 422.
        try:
            services.reset_password(session, data=data)
        except OrionError as exc:
            if exc.status >= 500:
                raise
            errors, status = error_fields(exc), exc.status
    if errors:
        return page.render(
            "auth/console/password_reset.html",
            status=status,
            token=form.get("token"),
            errors=errors,
            sent=False,
            email="",
        )
    return page.redirect("/console/sign-in", message="Your password is changed; sign in.")


# -- API access tokens -------------------------------------------------------------------------


def _days(value: str) -> str:
    value = value.strip()
    if value and (not value.isdigit() or not 1 <= int(value) <= 3650):
        raise ValueError("a number of days from 1 to 3650")
    return value


class TokenForm(AccessTokenCreate):
    """The console's token form: an expiry in days from now instead of a date."""

    expires_in_days: Annotated[str, AfterValidator(_days)] = ""

    @model_validator(mode="after")
    def _expiry(self) -> TokenForm:
        if self.expires_in_days:
            self.expires_at = datetime.now(UTC) + timedelta(days=int(self.expires_in_days))
        return self


def _tokens(page: PageContext, session: Session) -> dict[str, Any]:
    assert page.principal is not None
    rows, count = services.list_access_tokens(session, page.principal, page=Page(limit=100))
    return {
        "tokens": rows,
        "count": count,
        "scopes": sorted(page.principal.permissions),
        "created": None,
    }


tokens_page = FormPage("auth/console/tokens.html", _tokens)


@pages.get("/tokens")
def tokens(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """The user's API access tokens in this tenant; a new one is shown once."""
    return tokens_page.show(page, session)


@pages.post("/tokens")
def create_token(page: ConsolePage, session: SessionDep, form: PostedForm) -> HTMLResponse:
    assert page.principal is not None
    principal = page.principal
    typed = {
        "name": str(form.get("name") or "").strip(),
        "scopes": [str(s) for s in form.getlist("scopes")],
        "expires_in_days": str(form.get("expires_in_days") or "").strip(),
    }
    created, errors = tokens_page.run(
        session,
        typed,
        TokenForm,
        lambda data: services.create_access_token(session, principal, data=data),
    )
    if "form" in errors:
        # The page has no place for a refusal that names no field: it is about the scopes.
        errors["scopes"] = errors.pop("form")
    # Not a redirect: the new token is shown on this answer, once.
    return tokens_page.show(
        page,
        session,
        errors=errors,
        values=typed,
        created=created,
        status=201 if created else 422,
    )


@pages.post("/tokens/{token_id}/revoke")
def revoke_token(page: ConsolePage, session: SessionDep, token_id: uuid.UUID) -> Response:
    assert page.principal is not None
    services.revoke_access_token(session, page.principal, token_id)
    return page.redirect("/console/auth/tokens", message="The token is revoked.")


# -- platform operators ------------------------------------------------------------------------

admin_pages = APIRouter()  # /console/platform/auth/...


@admin_pages.get("/users")
def users(
    page: ConsolePage,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Every account: who signed in when, who is an operator, who is disabled."""
    rows, count = services.list_users(session, page=Page(limit=50, offset=offset), search=search)
    return page.render(
        "auth/console/users.html", users=rows, count=count, offset=offset, search=search or ""
    )
