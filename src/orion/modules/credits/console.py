"""Console pages of credits: the tenant's balance and history; operators' grants and the
ledger check."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, set_tenant
from orion.kernel.errors import OrionError
from orion.kernel.web.console import ConsolePage, FormData, FormErrors, parse_form
from orion.kernel.web.console.shell import error_fields
from orion.kernel.web.dependencies import RuntimeDep, SessionDep
from orion.modules.credits import service
from orion.modules.credits.schemas import CreditSettingsUpdate, TransactionKind

pages = APIRouter()  # /console/credits/...
admin_pages = APIRouter()  # /console/platform/credits/...

LIMIT = 50


def _balance_page(
    page: ConsolePage,
    session: Any,
    *,
    kind: TransactionKind | None = None,
    offset: int = 0,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    summary = service.balance_summary(session, page.tenant)
    rows, count = service.list_transactions(
        session, page.tenant, page=Page(limit=LIMIT, offset=offset), kind=kind
    )
    return page.render(
        "credits/console/balance.html",
        status=status,
        summary=summary,
        transactions=rows,
        count=count,
        offset=offset,
        limit=LIMIT,
        kind=kind.value if kind else None,
        kinds=[k.value for k in TransactionKind],
        daily=service.daily_totals(session, page.tenant),
        errors=errors or {},
    )


@pages.get("/")
def balance(
    page: ConsolePage,
    session: SessionDep,
    kind: Annotated[TransactionKind | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page.require("credits.read")
    return _balance_page(page, session, kind=kind, offset=offset)


@pages.post("/settings")
def save_settings(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("credits.manage")
    data, errors = parse_form(
        CreditSettingsUpdate,
        {"low_balance_threshold": form.get("low_balance_threshold")},
    )
    if data is None:
        return _balance_page(page, session, errors=errors, status=422)
    service.update_settings(session, page.tenant, low_balance_threshold=data.low_balance_threshold)
    return page.redirect("/console/credits/", message="Low-balance alert saved.")


class GrantForm(BaseModel):
    tenant_id: uuid.UUID
    amount: int = Field(gt=0, le=10**15)
    reason: str = Field(min_length=3, max_length=500)


def _ledger_page(
    page: ConsolePage,
    session: Any,
    runtime: Any,
    *,
    errors: FormErrors | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    checks = service.verify(session)
    return page.render(
        "credits/console/ledger.html",
        status=status,
        checks=checks,
        errors=errors or {},
        values=values or {},
    )


@admin_pages.get("/")
def ledger(page: ConsolePage, session: SessionDep, runtime: RuntimeDep) -> HTMLResponse:
    """Every tenant's balance against its ledger, and a grant form."""
    return _ledger_page(page, session, runtime)


@admin_pages.post("/grants")
def grant(page: ConsolePage, session: SessionDep, runtime: RuntimeDep, form: FormData) -> Response:
    data, errors = parse_form(GrantForm, form)
    if data is not None:
        try:
            tenant: TenantContext = runtime.tenant_context(session, data.tenant_id)
            set_tenant(session, tenant)
            service.add(
                session,
                tenant,
                amount=data.amount,
                reason=data.reason,
                idempotency_key=form.get("idempotency_key") or service.new_key(),
                actor_id=page.principal.user_id,
            )
        except OrionError as exc:
            if exc.status >= 500:
                raise
            errors = error_fields(exc)
            if exc.status == 404:
                errors = {"tenant_id": exc.message}
        else:
            return page.redirect(
                "/console/platform/credits/", message=f"{data.amount} credits granted."
            )
    return _ledger_page(page, session, runtime, errors=errors, values=form, status=422)
