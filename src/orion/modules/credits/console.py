"""Console pages of credits: the tenant's balance and history; operators' grants and the
ledger check."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import FieldError, NotFound, ValidationFailed
from orion.kernel.web.console import ConsolePage, FormData, FormPage
from orion.kernel.web.dependencies import RuntimeDep, SessionDep
from orion.modules.credits import services
from orion.modules.credits.schemas import CreditSettingsUpdate, TransactionKind

pages = APIRouter()  # /console/credits/...
admin_pages = APIRouter()  # /console/platform/credits/...

LIMIT = 50

balance_page = FormPage(
    "credits/console/balance.html",
    lambda page, session: {
        "summary": services.balance_summary(session, page.tenant),
        "daily": services.daily_totals(session, page.tenant),
        "kinds": [k.value for k in TransactionKind],
        "limit": LIMIT,
    },
)


def _ledger(
    session: Session, tenant: TenantContext, *, kind: TransactionKind | None = None, offset: int = 0
) -> dict[str, Any]:
    """One page of the ledger as the balance page lists it."""
    rows, count = services.list_transactions(
        session, tenant, page=Page(limit=LIMIT, offset=offset), kind=kind
    )
    return {
        "transactions": rows,
        "count": count,
        "offset": offset,
        "kind": kind.value if kind else None,
    }


@pages.get("/")
def balance(
    page: ConsolePage,
    session: SessionDep,
    kind: Annotated[TransactionKind | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page.require("credits.read")
    return balance_page.show(
        page, session, **_ledger(session, page.tenant, kind=kind, offset=offset)
    )


@pages.post("/settings")
def save_settings(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("credits.manage")
    return balance_page.submit(
        page,
        session,
        {"low_balance_threshold": form.get("low_balance_threshold")},
        CreditSettingsUpdate,
        lambda data: services.update_settings(
            session, page.tenant, low_balance_threshold=data.low_balance_threshold
        ),
        done="/console/credits/",
        message="Low-balance alert saved.",
        shown=lambda: _ledger(session, page.tenant),
    )


class GrantForm(BaseModel):
    tenant_id: uuid.UUID
    amount: int = Field(gt=0, le=10**15)
    reason: str = Field(min_length=3, max_length=500)


ledger_page = FormPage(
    "credits/console/ledger.html", lambda page, session: {"checks": services.verify(session)}
)


@admin_pages.get("/")
def ledger(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """Every tenant's balance against its ledger, and a grant form."""
    return ledger_page.show(page, session)


@admin_pages.post("/grants")
def grant(page: ConsolePage, session: SessionDep, runtime: RuntimeDep, form: FormData) -> Response:
    def give(data: GrantForm) -> GrantForm:
        try:
            tenant = runtime.tenant_context(session, data.tenant_id)
        except NotFound as exc:
            # The operator typed the tenant's id: an unknown one is that field's error.
            raise ValidationFailed(
                exc.message, errors=[FieldError("tenant_id", exc.message)]
            ) from None
        services.add(
            session,
            tenant,
            amount=data.amount,
            reason=data.reason,
            idempotency_key=form.get("idempotency_key") or services.new_key(),
            actor_id=page.principal.user_id,
        )
        return data

    return ledger_page.submit(
        page,
        session,
        form,
        GrantForm,
        give,
        done="/console/platform/credits/",
        message=lambda data: f"{data.amount} credits granted.",
    )
