"""CSV exports of the reports: a header row, then one row per point (Python's `csv`),
produced line by line for a streamed response. Amounts in minor units, as in the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from orion.modules.analytics.schemas import (
    RefundsReport,
    SalesReport,
    StockValueReport,
    TopItemsReport,
    UsageReport,
)


def _lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _chain(header, rows):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[Iterable[Any]]:
    yield header
    yield from rows


def sales_csv(report: SalesReport) -> Iterator[str]:
    header = ["period", "currency", "orders", "gross", "vat", "net", "average_order_value"]
    return _lines(
        header,
        [
            [p.period, p.currency, p.orders, p.gross, p.vat, p.net, p.average_order_value]
            for p in report.points
        ],
    )


def top_items_csv(report: TopItemsReport) -> Iterator[str]:
    header = ["sku", "title", "product_id", "variant_id", "currency", "quantity", "revenue"]
    return _lines(
        header,
        [
            [i.sku, i.title, i.product_id, i.variant_id or "", i.currency, i.quantity, i.revenue]
            for i in report.items
        ],
    )


def refunds_csv(report: RefundsReport) -> Iterator[str]:
    header = ["period", "currency", "credit_notes", "amount", "vat"]
    return _lines(
        header, [[p.period, p.currency, p.credit_notes, p.amount, p.vat] for p in report.points]
    )


def stock_value_csv(report: StockValueReport) -> Iterator[str]:
    header = ["location", "sku", "title", "on_hand", "unit_price", "value", "currency"]
    return _lines(
        header,
        [
            [
                line.location_code,
                line.sku,
                line.title,
                line.on_hand,
                "" if line.unit_price is None else line.unit_price,
                line.value,
                report.currency,
            ]
            for line in report.lines
        ],
    )


def usage_csv(report: UsageReport) -> Iterator[str]:
    header = [
        "period",
        "ai_calls",
        "ai_failed_calls",
        "ai_credits",
        "credits_added",
        "credits_spent",
    ]
    return _lines(
        header,
        [
            [d.day, d.ai_calls, d.ai_failed_calls, d.ai_credits, d.credits_added, d.credits_spent]
            for d in report.days
        ],
    )
