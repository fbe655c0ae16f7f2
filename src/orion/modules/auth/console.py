"""Console pages of auth: signing in and out, password reset, the user's API tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.kernel.web.console import ConsolePage, FormData, FormErrors, parse_form
from orion.kernel.web.console.shell import (
    SESSION_COOKIE,
    TENANT_COOKIE,
    PostedForm,
    error_fields,
)
from orion.kernel.web.dependencies import SessionDep
from orion.modules.auth import service
from orion.modules.auth.dependencies import ClientAddress
from orion.modules.auth.schemas import AccessTokenCreate, NewPassword

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
        try:
            cookie = service.console_sign_in(
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
        max_age=int(service.CONSOLE_SESSION.total_seconds()),
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
        service.console_sign_out(session, cookie)
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
    return page.render("auth/console/password_reset.html", token=token, errors={}, sent=False)


@public.post("/password-reset/request")
def request_reset(page: ConsolePage, session: SessionDep, form: FormData) -> HTMLResponse:
    data, errors = parse_form(ResetRequest, form)
    if data is not None:
        # The same answer whether the account exists or not.
        service.request_password_reset(session, data.email)
    return page.render(
        "auth/console/password_reset.html",
        status=200 if data else 422,
        token=None,
        errors=errors,
        sent=data is not None,
    )


@public.post("/password-reset")
def reset_password(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    data, errors = parse_form(NewPassword, form)
    status = 422
    if data is not None:
        try:
            service.reset_password(session, data=data)
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
        )
    return page.redirect("/console/sign-in", message="Your password is changed; sign in.")


# -- API access tokens -------------------------------------------------------------------------


def _tokens_page(
    page: ConsolePage,
    session: SessionDep,
    *,
    errors: FormErrors,
    created: object = None,
    status: int = 200,
    values: dict[str, object] | None = None,
) -> HTMLResponse:
    assert page.principal is not None
    rows, count = service.list_access_tokens(session, page.principal, page=Page(limit=100))
    return page.render(
        "auth/console/tokens.html",
        status=status,
        tokens=rows,
        count=count,
        scopes=sorted(page.principal.permissions),
        errors=errors,
        created=created,
        values=values or {},
    )


@pages.get("/tokens")
def tokens(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """The user's API access tokens in this tenant; a new one is shown once."""
    return _tokens_page(page, session, errors={})


@pages.post("/tokens")
def create_token(page: ConsolePage, session: SessionDep, form: PostedForm) -> HTMLResponse:
    days = str(form.get("expires_in_days") or "").strip()
    values: dict[str, object] = {
        "name": str(form.get("name") or "").strip(),
        "scopes": [str(s) for s in form.getlist("scopes")],
    }
    errors: FormErrors = {}
    expires_at = None
    if days:
        if not days.isdigit() or not 1 <= int(days) <= 3650:
            errors["expires_in_days"] = "a number of days from 1 to 3650"
        else:
            expires_at = datetime.now(UTC) + timedelta(days=int(days))
    data, parse_errors = parse_form(AccessTokenCreate, {**values, "expires_at": expires_at})
    errors.update(parse_errors)
    created = None
    if data is not None and not errors:
        assert page.principal is not None
        try:
            created = service.create_access_token(session, page.principal, data=data)
        except OrionError as exc:
            errors = error_fields(exc)
            errors.setdefault("scopes", errors.pop("form", exc.message))
    return _tokens_page(
        page,
        session,
        errors=errors,
        created=created,
        status=201 if created else 422,
        values=values | {"expires_in_days": days},
    )


@pages.post("/tokens/{token_id}/revoke")
def revoke_token(page: ConsolePage, session: SessionDep, token_id: uuid.UUID) -> Response:
    assert page.principal is not None
    service.revoke_access_token(session, page.principal, token_id)
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
    rows, count = service.list_users(session, page=Page(limit=50, offset=offset), search=search)
    return page.render(
        "auth/console/users.html", users=rows, count=count, offset=offset, search=search or ""
    )
