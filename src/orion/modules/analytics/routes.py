"""Analytics routes: per store `/stores/{store_id}/sales`, `/top-items`, `/refunds`,
`/stock-value`, and the tenant's `/usage`; each also as CSV (`.../sales.csv`, ...).

`api` is one router with two audiences (kernel.web.mounting): the tenant's members at
/api/v1/analytics/..., platform operators acting for a tenant at
/api/v1/admin/analytics/tenants/{tenant_id}/... `CurrentStore` checks the store is the
tenant's and reachable by the member (404 `store_not_found`). Ranges: `since`, `until`
(UTC days, both included; the last 30 days by default) and `granularity` (day, week,
month); a bad one is a 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from orion.kernel.web.dependencies import CurrentStore, CurrentTenant, SessionDep
from orion.modules.analytics import services
from orion.modules.analytics.dependencies import CanRead, Span
from orion.modules.analytics.schemas import (
    RefundsReport,
    SalesReport,
    StockValueReport,
    TopItemsReport,
    UsageReport,
)

api = APIRouter()

STORE = "/stores/{store_id}"
By = Annotated[Literal["quantity", "revenue"], Query(description="Rank by")]
Limit = Annotated[int, Query(ge=1, le=100)]


def csv_download(lines: Iterator[str], name: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@api.get(f"{STORE}/sales", response_model=SalesReport)
def sales(
    _: CanRead, session: SessionDep, tenant: CurrentTenant, store: CurrentStore, span: Span
) -> SalesReport:
    """Orders, sales (VAT in and out) and average order value per period and currency."""
    return services.sales_report(session, tenant, store_id=store.id, span=span)


@api.get(f"{STORE}/sales.csv", response_class=StreamingResponse)
def sales_csv(
    _: CanRead, session: SessionDep, tenant: CurrentTenant, store: CurrentStore, span: Span
) -> StreamingResponse:
    report = services.sales_report(session, tenant, store_id=store.id, span=span)
    return csv_download(services.sales_csv(report), f"sales-{store.code}")


@api.get(f"{STORE}/top-items", response_model=TopItemsReport)
def top_items(
    _: CanRead,
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    span: Span,
    by: By = "quantity",
    limit: Limit = 10,
) -> TopItemsReport:
    """The best-selling items of the range, by quantity or revenue."""
    return services.top_items(session, tenant, store_id=store.id, span=span, by=by, limit=limit)


@api.get(f"{STORE}/top-items.csv", response_class=StreamingResponse)
def top_items_csv(
    _: CanRead,
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    span: Span,
    by: By = "quantity",
    limit: Limit = 10,
) -> StreamingResponse:
    report = services.top_items(session, tenant, store_id=store.id, span=span, by=by, limit=limit)
    return csv_download(services.top_items_csv(report), f"top-items-{store.code}")


@api.get(f"{STORE}/refunds", response_model=RefundsReport)
def refunds(
    _: CanRead, session: SessionDep, tenant: CurrentTenant, store: CurrentStore, span: Span
) -> RefundsReport:
    """Credit notes issued per period: how many, amount, VAT."""
    return services.refunds_report(session, tenant, store_id=store.id, span=span)


@api.get(f"{STORE}/refunds.csv", response_class=StreamingResponse)
def refunds_csv(
    _: CanRead, session: SessionDep, tenant: CurrentTenant, store: CurrentStore, span: Span
) -> StreamingResponse:
    report = services.refunds_report(session, tenant, store_id=store.id, span=span)
    return csv_download(services.refunds_csv(report), f"refunds-{store.code}")


@api.get(f"{STORE}/stock-value", response_model=StockValueReport)
def stock_value(
    _: CanRead, session: SessionDep, tenant: CurrentTenant, store: CurrentStore
) -> StockValueReport:
    """Units on hand times the catalog's price, per location and item."""
    return services.stock_value(session, tenant, store=store)


@api.get(f"{STORE}/stock-value.csv", response_class=StreamingResponse)
def stock_value_csv(
    _: CanRead, session: SessionDep, tenant: CurrentTenant, store: CurrentStore
) -> StreamingResponse:
    report = services.stock_value(session, tenant, store=store)
    return csv_download(services.stock_value_csv(report), f"stock-value-{store.code}")


@api.get("/usage", response_model=UsageReport)
def usage(_: CanRead, session: SessionDep, tenant: CurrentTenant, span: Span) -> UsageReport:
    """The tenant's AI calls and credits, credits added and spent, emails; what is not
    measured is said so."""
    return services.usage_report(session, tenant, span=span)


@api.get("/usage.csv", response_class=StreamingResponse)
def usage_csv(
    _: CanRead, session: SessionDep, tenant: CurrentTenant, span: Span
) -> StreamingResponse:
    report = services.usage_report(session, tenant, span=span)
    return csv_download(services.usage_csv(report), "usage")
