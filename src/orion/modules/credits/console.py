"""Console pages of credits: the tenant's balance and history; operators' grants and the
ledger check."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import FieldError, ValidationFailed
from orion.kernel.runtime import Runtime
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext
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
    tenant: str = Field(min_length=1, max_length=200, description="Its name, slug or id")
    amount: int = Field(gt=0, le=10**15)
    reason: str = Field(min_length=3, max_length=500)


@dataclass(frozen=True)
class TenantChoice:
    """A tenant as the grant form's picker offers it: what to type, and what it shows."""

    id: uuid.UUID
    name: str
    value: str  # its name, or its id where another tenant has the same name


def tenant_choices(session: Session, runtime: Runtime) -> list[TenantChoice]:
    """Every active tenant by name (by id where two share one), sorted by name."""
    named = [
        (tenant.tenant_id, runtime.directory.name_of(session, tenant.tenant_id) or "")
        for tenant in runtime.directory.tenants(session)
    ]
    counts = Counter(name.casefold() for _, name in named)
    return sorted(
        (
            TenantChoice(tenant_id, name, name if counts[name.casefold()] == 1 else str(tenant_id))
            for tenant_id, name in named
        ),
        key=lambda choice: (choice.name.casefold(), str(choice.id)),
    )


def find_tenant(session: Session, runtime: Runtime, reference: str) -> TenantContext:
    """The tenant an operator means: its full id, its slug or its name (any case). None
    matching, or several, is the tenant field's error."""
    reference = reference.strip()
    found = runtime.directory.lookup(session, reference)
    if not found:
        wanted = reference.casefold()
        found = [
            tenant
            for tenant in runtime.directory.tenants(session)
            if (runtime.directory.name_of(session, tenant.tenant_id) or "").casefold() == wanted
        ]
    if len(found) == 1:
        return found[0]
    message = (
        f"No tenant is called “{reference}”: pick one from the list, or give its slug or id."
        if not found
        else f"{len(found)} tenants answer to “{reference}”: pick one by its id."
    )
    raise ValidationFailed(message, errors=[FieldError("tenant", message)])


def _ledger_page(page: PageContext, session: Session) -> dict[str, Any]:
    runtime = page.runtime
    checks = services.verify(session)
    names = {c.tenant_id: runtime.directory.name_of(session, c.tenant_id) for c in checks}
    return {
        "checks": sorted(checks, key=lambda c: ((names[c.tenant_id] or "").casefold(), c.ok)),
        "names": names,
        "tenants": tenant_choices(session, runtime),
    }


ledger_page = FormPage("credits/console/ledger.html", _ledger_page)


@admin_pages.get("/")
def ledger(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """Every tenant's balance against its ledger, and a grant form."""
    return ledger_page.show(page, session)


@admin_pages.post("/grants")
def grant(page: ConsolePage, session: SessionDep, runtime: RuntimeDep, form: FormData) -> Response:
    fields = dict(form)
    if "tenant" not in fields and "tenant_id" in fields:  # what the form posted before
        fields["tenant"] = fields.pop("tenant_id")

    def give(data: GrantForm) -> str:
        tenant = find_tenant(session, runtime, data.tenant)
        services.add(
            session,
            tenant,
            amount=data.amount,
            reason=data.reason,
            idempotency_key=form.get("idempotency_key") or services.new_key(),
            actor_id=page.principal.user_id,
        )
        name = runtime.directory.name_of(session, tenant.tenant_id) or str(tenant.tenant_id)
        amount = f"{data.amount:,}".replace(",", "\u202f")
        return f"{amount} credits granted to {name}."

    return ledger_page.submit(
        page,
        session,
        fields,
        GrantForm,
        give,
        done="/console/platform/credits/",
        message=lambda text: text,
    )
