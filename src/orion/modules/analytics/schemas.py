"""Analytics API schemas: report ranges and the reports (amounts in minor units of their
currency; a store sells in one currency, but past orders may be in another)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"  # starting on Monday
    MONTH = "month"


class ReportRange(BaseModel):
    """Days [since, until] (UTC, both included), summed per `granularity`."""

    since: date
    until: date
    granularity: Granularity = Granularity.DAY


class SalesPoint(BaseModel):
    period: date  # the first day of the period
    currency: str
    orders: int
    gross: int  # grand totals, VAT included
    vat: int
    net: int  # VAT excluded
    average_order_value: int  # gross / orders, rounded half up; 0 without orders


class SalesReport(BaseModel):
    store_id: uuid.UUID
    range: ReportRange
    points: list[SalesPoint]  # periods with orders, oldest first
    totals: list[SalesPoint]  # per currency over the whole range (`period` = since)
    live_since: date  # days from this one on are computed from the orders (not the rollup)


class TopItem(BaseModel):
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    title: str
    currency: str
    quantity: int
    revenue: int  # line totals, VAT included, before order discounts


class TopItemsReport(BaseModel):
    store_id: uuid.UUID
    range: ReportRange
    by: str
    items: list[TopItem]


class RefundPoint(BaseModel):
    period: date
    currency: str
    credit_notes: int
    amount: int  # VAT included
    vat: int


class RefundsReport(BaseModel):
    store_id: uuid.UUID
    range: ReportRange
    points: list[RefundPoint]
    totals: list[RefundPoint]


class StockValueLine(BaseModel):
    location_id: uuid.UUID
    location_code: str
    location_name: str
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    title: str
    on_hand: int
    unit_price: int | None  # the catalog's price (VAT included); None: not for sale now
    value: int  # on_hand x unit_price (0 without a price)


class LocationValue(BaseModel):
    location_id: uuid.UUID
    location_code: str
    location_name: str
    units: int
    value: int
    unpriced_units: int  # units of items that are not for sale (draft, archived)


class StockValueReport(BaseModel):
    store_id: uuid.UUID
    currency: str
    units: int
    value: int
    unpriced_units: int
    locations: list[LocationValue]
    lines: list[StockValueLine]


class UsageDay(BaseModel):
    day: date
    ai_calls: int
    ai_failed_calls: int
    ai_credits: int  # credits the AI calls cost
    credits_added: int
    credits_spent: int


class UsageFigure(BaseModel):
    """A usage figure that may not be measured (then `value` is None and `note` says so)."""

    name: str
    value: int | None
    note: str


class UsageReport(BaseModel):
    range: ReportRange
    days: list[UsageDay]  # days with any usage, oldest first
    ai_calls: int
    ai_credits: int
    credits_added: int
    credits_spent: int
    other: list[UsageFigure]  # API calls, storage, imports, emails
