"""Analytics console pages:

* `/console/analytics/`: a store's report (switcher; `since`, `until`, `granularity`):
  sales per period as a chart (Chart.js when installed, a table otherwise), totals with the
  average order value, best sellers by quantity and by revenue, refunds, stock value;
* `/console/analytics/usage`: the tenant's usage;
* `/console/analytics/export/{report}.csv`: each report as CSV, as the page shows it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, StreamingResponse

from orion.kernel.data.money import format_money
from orion.kernel.errors import NotFound, ValidationFailed
from orion.kernel.web.console import ConsolePage, ConsoleStore
from orion.kernel.web.dependencies import SessionDep
from orion.modules.analytics import services
from orion.modules.analytics.schemas import Granularity, ReportRange, SalesReport

pages = APIRouter()  # /console/analytics/...

Since = Annotated[date | None, Query()]
Until = Annotated[date | None, Query()]
GranularityQuery = Annotated[Granularity, Query()]
Report = Literal["sales", "top-items", "refunds", "stock-value", "usage"]


def _span(since: date | None, until: date | None, granularity: Granularity) -> tuple[Any, str]:
    """The range asked for, or the default one and why the asked one was refused."""
    try:
        return services.report_range(since, until, granularity), ""
    except ValidationFailed as refused:
        return services.report_range(None, None, granularity), refused.message


def _chart(report: SalesReport, span: ReportRange) -> dict[str, Any]:
    """Sales (VAT included) per period, one dataset per currency, every period labelled."""
    labels = [day.isoformat() for day in services.periods(span)]
    index = {label: n for n, label in enumerate(labels)}
    series: dict[str, list[float]] = {}
    for point in report.points:
        data = series.setdefault(point.currency, [0.0] * len(labels))
        data[index[point.period.isoformat()]] += point.gross / 100
    return {"labels": labels, "datasets": [{"label": c, "data": d} for c, d in series.items()]}


@pages.get("/")
def report(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    since: Since = None,
    until: Until = None,
    granularity: GranularityQuery = Granularity.DAY,
) -> HTMLResponse:
    page.require("analytics.read")
    span, refused = _span(since, until, granularity)
    context: dict[str, Any] = {}
    store = choice.store
    if store is not None:
        tenant = page.tenant
        sales = services.sales_report(session, tenant, store_id=store.id, span=span)
        context = {
            "sales": sales,
            "chart": _chart(sales, span),
            "by_quantity": services.top_items(session, tenant, store_id=store.id, span=span),
            "by_revenue": services.top_items(
                session, tenant, store_id=store.id, span=span, by="revenue"
            ),
            "refunds": services.refunds_report(session, tenant, store_id=store.id, span=span),
            "stock": services.stock_value(session, tenant, store=store),
        }
    query = {
        "since": span.since.isoformat(),
        "until": span.until.isoformat(),
        "granularity": span.granularity.value,
    }
    if store is not None:
        query["store"] = str(store.id)
    return page.render(
        "analytics/console/report.html",
        choice=choice,
        span=span,
        refused=refused,
        granularities=[g.value for g in Granularity],
        export=lambda name: f"/console/analytics/export/{name}.csv?{urlencode(query)}",
        money=format_money,
        **context,
    )


@pages.get("/usage")
def usage(
    page: ConsolePage,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    granularity: GranularityQuery = Granularity.DAY,
) -> HTMLResponse:
    page.require("analytics.read")
    span, refused = _span(since, until, granularity)
    report = services.usage_report(session, page.tenant, span=span)
    query = urlencode(
        {"since": span.since, "until": span.until, "granularity": span.granularity.value}
    )
    return page.render(
        "analytics/console/usage.html",
        span=span,
        refused=refused,
        report=report,
        granularities=[g.value for g in Granularity],
        export=f"/console/analytics/export/usage.csv?{query}",
    )


@pages.get("/export/{name}.csv")
def export(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    name: Report,
    since: Since = None,
    until: Until = None,
    granularity: GranularityQuery = Granularity.DAY,
    by: Annotated[Literal["quantity", "revenue"], Query()] = "quantity",
) -> StreamingResponse:
    page.require("analytics.read")
    span = services.report_range(since, until, granularity)
    tenant = page.tenant
    if name == "usage":
        lines = services.usage_csv(services.usage_report(session, tenant, span=span))
        return _download(lines, "usage")
    store = choice.store
    if store is None:
        raise NotFound("this tenant has no store yet")
    if name == "sales":
        lines = services.sales_csv(
            services.sales_report(session, tenant, store_id=store.id, span=span)
        )
    elif name == "top-items":
        lines = services.top_items_csv(
            services.top_items(session, tenant, store_id=store.id, span=span, by=by)
        )
    elif name == "refunds":
        lines = services.refunds_csv(
            services.refunds_report(session, tenant, store_id=store.id, span=span)
        )
    else:
        lines = services.stock_value_csv(services.stock_value(session, tenant, store=store))
    return _download(lines, f"{name}-{store.code}")


def _download(lines: Any, name: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
