"""Console pages of the AI gateway: the tenant's usage (a chart of credits per day and
model, totals, the calls), its limits and prices; the operators' model catalogue and
per-tenant limits."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.web.console import ConsolePage, FormData, FormPage
from orion.kernel.web.dependencies import PlatformId, SessionDep, TargetTenant
from orion.modules.ai_proxy import service
from orion.modules.ai_proxy.schemas import (
    AiModelCreate,
    AiModelUpdate,
    AiTenantLimitsUpdate,
    ModelKind,
    ModelProvider,
)

pages = APIRouter()  # /console/ai_proxy/...
admin_pages = APIRouter()  # /console/platform/ai_proxy/...

LIMIT = 50
DAYS = 30
STATUSES = ("ok", "failed", "disconnected")
LIMIT_FIELDS = (
    ("requests_per_minute", "Calls per minute (tenant)"),
    ("tokens_per_minute", "Tokens per minute (tenant)"),
    ("token_requests_per_minute", "Calls per minute (each access token)"),
    ("token_tokens_per_minute", "Tokens per minute (each access token)"),
)


# -- the tenant --------------------------------------------------------------------------------


@pages.get("/")
def usage(
    page: ConsolePage,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(ok|failed|disconnected)$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page.require("ai_proxy.read")
    tenant = page.tenant
    until = utcnow().date()
    since = until - timedelta(days=DAYS - 1)
    totals = service.usage_totals(session, tenant, since=since, until=until)
    calls, count = service.list_usage(
        session, tenant, page=Page(limit=LIMIT, offset=offset), status=status
    )
    models, _ = service.list_models(
        session, tenant.platform_id, page=Page(limit=500), active_only=True
    )
    return page.render(
        "ai_proxy/console/usage.html",
        chart=_chart(totals, since=since, days=DAYS),
        by_model=_by_model(totals),
        summary={
            "requests": sum(t.requests for t in totals),
            "tokens": sum(t.input_tokens + t.output_tokens for t in totals),
            "cost": sum(t.cost for t in totals),
        },
        calls=calls,
        count=count,
        offset=offset,
        limit=LIMIT,
        status_filter=status,
        statuses=STATUSES,
        limits=service.limits_public(session, tenant),
        limit_fields=LIMIT_FIELDS,
        models=models,
        base_url=f"{str(page.request.base_url).rstrip('/')}/v1",
    )


def _chart(totals: list[Any], *, since: Any, days: int) -> dict[str, Any]:
    """Credits per day, one dataset per model, every day of the range labelled."""
    labels = [(since + timedelta(days=n)).isoformat() for n in range(days)]
    index = {label: n for n, label in enumerate(labels)}
    series: dict[str, list[int]] = {}
    for total in totals:
        series.setdefault(total.model, [0] * days)[index[total.day.isoformat()]] += total.cost
    return {"labels": labels, "datasets": [{"label": m, "data": d} for m, d in series.items()]}


def _by_model(totals: list[Any]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for total in totals:
        row = rows.setdefault(
            total.model,
            {"model": total.model, "requests": 0, "failed": 0, "input": 0, "output": 0, "cost": 0},
        )
        row["requests"] += total.requests
        row["failed"] += total.failed
        row["input"] += total.input_tokens
        row["output"] += total.output_tokens
        row["cost"] += total.cost
    return sorted(rows.values(), key=lambda row: -row["cost"])


# -- operators: the catalogue ------------------------------------------------------------------

catalogue_page = FormPage("ai_proxy/console/catalogue.html")
model_page = FormPage("ai_proxy/console/model.html")


def _catalogue(session: Session, platform_id: uuid.UUID) -> dict[str, Any]:
    models, count = service.list_models(session, platform_id, page=Page(limit=500))
    return {
        "models": models,
        "count": count,
        "platform_id": platform_id,
        "kinds": [(k.value, k.value) for k in ModelKind],
        "providers": [(p.value, p.value) for p in ModelProvider],
    }


@admin_pages.get("/")
def catalogue(page: ConsolePage, session: SessionDep, platform_id: PlatformId) -> HTMLResponse:
    return catalogue_page.show(page, session, **_catalogue(session, platform_id))


@admin_pages.post("/models")
def create_model(
    page: ConsolePage, session: SessionDep, form: FormData, platform: PlatformId
) -> Response:
    created = catalogue_page.run(
        session,
        _model_fields(form, create=True),
        AiModelCreate,
        lambda data: service.create_model(session, platform, data=data),
    )
    return catalogue_page.outcome(
        page,
        session,
        form,
        created,
        done=f"/console/platform/ai_proxy/?platform_id={platform}",
        message=lambda model: f"{model.name} is offered.",
        shown=lambda: _catalogue(session, platform),
    )


@admin_pages.get("/models/{model_id}")
def edit_model(page: ConsolePage, session: SessionDep, model_id: uuid.UUID) -> HTMLResponse:
    model = service.get_model(session, model_id)
    shown = {
        "upstream_model": model.upstream_model,
        "input_price": str(model.input_price),
        "output_price": str(model.output_price),
        "max_output_tokens": str(model.max_output_tokens),
        "fallbacks": ", ".join(model.fallbacks),
        "is_active": "on" if model.is_active else "",
    }
    return model_page.show(page, session, values=shown, model=model)


@admin_pages.post("/models/{model_id}")
def update_model(
    page: ConsolePage, session: SessionDep, model_id: uuid.UUID, form: FormData
) -> Response:
    model = service.get_model(session, model_id)
    saved = model_page.run(
        session,
        _model_fields(form, create=False),
        AiModelUpdate,
        lambda data: service.update_model(session, model_id, data=data),
    )
    return model_page.outcome(
        page,
        session,
        form,
        saved,
        done=f"/console/platform/ai_proxy/?platform_id={model.platform_id}",
        message=f"{model.name} is saved.",
        model=model,
    )


@admin_pages.post("/models/{model_id}/delete")
def delete_model(page: ConsolePage, session: SessionDep, model_id: uuid.UUID) -> Response:
    model = service.get_model(session, model_id)
    name, platform_id = model.name, model.platform_id
    service.delete_model(session, model_id)
    return page.redirect(
        f"/console/platform/ai_proxy/?platform_id={platform_id}", message=f"{name} is removed."
    )


def _model_fields(form: dict[str, str], *, create: bool) -> dict[str, Any]:
    """The posted form as the schema's fields: empty text is absent, fallbacks are a
    comma-separated list, a checkbox is on or absent."""
    names = ["upstream_model", "input_price", "output_price", "max_output_tokens"]
    if create:
        names += ["name", "kind", "provider"]
    fields: dict[str, Any] = {n: form[n].strip() for n in names if form.get(n, "").strip()}
    fields["fallbacks"] = [n.strip() for n in form.get("fallbacks", "").split(",") if n.strip()]
    fields["is_active"] = form.get("is_active") == "on"
    return fields


# -- operators: a tenant's limits --------------------------------------------------------------

limits_page = FormPage("ai_proxy/console/limits.html")


def _limits(page: ConsolePage, session: Session, tenant: TenantContext) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "tenant_name": page.runtime.directory.name_of(session, tenant.tenant_id),
        "limits": service.limits_public(session, tenant),
        "own": service.own_limits(session, tenant),
        "limit_fields": LIMIT_FIELDS,
    }


@admin_pages.get("/tenants/{tenant_id}/limits")
def tenant_limits(page: ConsolePage, session: SessionDep, tenant: TargetTenant) -> HTMLResponse:
    return limits_page.show(page, session, **_limits(page, session, tenant))


@admin_pages.post("/tenants/{tenant_id}/limits")
def save_tenant_limits(
    page: ConsolePage, session: SessionDep, tenant: TargetTenant, form: FormData
) -> Response:
    posted = {name: form.get(name, "").strip() or None for name, _ in LIMIT_FIELDS}
    saved = limits_page.run(
        session,
        posted,
        AiTenantLimitsUpdate,
        lambda data: service.set_limits(session, tenant, data=data),
    )
    return limits_page.outcome(
        page,
        session,
        form,
        saved,
        done=f"/console/platform/ai_proxy/tenants/{tenant.tenant_id}/limits",
        message="Limits saved.",
        **_limits(page, session, tenant),
    )
