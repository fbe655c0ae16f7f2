"""A store's sales, best-selling items and refunds over a range of days.

Sales read the rollup (`analytics_daily_sales`) for the days it holds, summed per period
by the database, and the orders' own daily GROUP BY for the days after it: today is always
live, and so are days taken out of the rollup by a cancellation (`rollups.py`)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.analytics.repository import DailySalesRepository, RollupRepository
from orion.modules.analytics.schemas import (
    RefundPoint,
    RefundsReport,
    ReportRange,
    SalesPoint,
    SalesReport,
    TopItem,
    TopItemsReport,
)
from orion.modules.analytics.services.periods import add_into, as_date, average, period_of
from orion.modules.orders import services as orders

TOP_LIMIT = 10


def _point(period: date, currency: str, count: int, gross: int, vat: int) -> SalesPoint:
    return SalesPoint(
        period=period,
        currency=currency,
        orders=count,
        gross=gross,
        vat=vat,
        net=gross - vat,
        average_order_value=average(gross, count),
    )


def live_since(session: Session, store_id: uuid.UUID, since: date) -> date:
    """The first day of the range the rollup does not hold."""
    through = RollupRepository(session).through(store_id)
    return since if through is None else max(since, through + timedelta(days=1))


def sales_report(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, span: ReportRange
) -> SalesReport:
    """Orders, grand totals (VAT in and out) and the average order value per period and
    currency, canceled orders left out."""
    granularity = span.granularity
    sums: dict[tuple[date, str], list[int]] = {}
    with acting_for(session, tenant):
        live = live_since(session, store_id, span.since)
        if live > span.since:
            rolled = DailySalesRepository(session).periods(
                store_id, span.since, min(live - timedelta(days=1), span.until), granularity
            )
            for start, currency, count, gross, vat in rolled:
                add_into(sums, (as_date(start), currency), (count, gross, vat))
    if live <= span.until:
        for day in orders.daily_sales(
            session, tenant, store_id=store_id, since=live, until=span.until
        ):
            key = (period_of(day.day, granularity), day.currency)
            add_into(sums, key, (day.orders, day.grand_total, day.vat_total))
    totals: dict[tuple[date, str], list[int]] = {}
    for (_, currency), values in sums.items():
        add_into(totals, (span.since, currency), values)
    return SalesReport(
        store_id=store_id,
        range=span,
        points=[_point(p, c, *values) for (p, c), values in sorted(sums.items())],
        totals=[_point(p, c, *values) for (p, c), values in sorted(totals.items())],
        live_since=live,
    )


def top_items(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    span: ReportRange,
    by: str = "quantity",
    limit: int = TOP_LIMIT,
) -> TopItemsReport:
    """The best-selling items of the range (from the order lines' snapshots), by quantity
    or by revenue."""
    rows = orders.item_sales(
        session, tenant, store_id=store_id, since=span.since, until=span.until, by=by, limit=limit
    )
    items = [
        TopItem(
            product_id=row.product_id,
            variant_id=row.variant_id,
            sku=row.sku,
            title=row.title,
            currency=row.currency,
            quantity=row.quantity,
            revenue=row.revenue,
        )
        for row in rows
    ]
    return TopItemsReport(store_id=store_id, range=span, by=by, items=items)


def refunds_report(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, span: ReportRange
) -> RefundsReport:
    """Refunds (credit notes issued) per period and currency: how many, amount and VAT."""
    sums: dict[tuple[date, str], list[int]] = {}
    totals: dict[tuple[date, str], list[int]] = {}
    for day in orders.daily_refunds(
        session, tenant, store_id=store_id, since=span.since, until=span.until
    ):
        values = (day.credit_notes, day.amount, day.vat_total)
        add_into(sums, (period_of(day.day, span.granularity), day.currency), values)
        add_into(totals, (span.since, day.currency), values)

    def point(key: tuple[date, str], values: list[int]) -> RefundPoint:
        return RefundPoint(
            period=key[0], currency=key[1], credit_notes=values[0], amount=values[1], vat=values[2]
        )

    return RefundsReport(
        store_id=store_id,
        range=span,
        points=[point(k, v) for k, v in sorted(sums.items())],
        totals=[point(k, v) for k, v in sorted(totals.items())],
    )
