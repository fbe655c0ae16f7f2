"""Aggregated figures of a store's orders for reports (the analytics module): sales per
day, best-selling items, refunds per day. Every figure is one GROUP BY in the database;
days are UTC days, [since, until] both included."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.orders.models import CreditNote, Order, OrderItem
from orion.modules.orders.schemas import OrderState

NOT_SALES = (OrderState.CANCELED.value,)


@dataclass(frozen=True, slots=True)
class DaySales:
    """The orders of one day in one currency (canceled ones left out)."""

    day: date
    currency: str
    orders: int
    grand_total: int  # VAT included
    vat_total: int


@dataclass(frozen=True, slots=True)
class ItemSales:
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    title: str
    currency: str
    quantity: int
    revenue: int  # the lines' totals, VAT included, before the order's discount


@dataclass(frozen=True, slots=True)
class DayRefunds:
    day: date
    currency: str
    credit_notes: int
    amount: int  # VAT included
    vat_total: int


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def _end(day: date | None) -> datetime | None:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC) if day else None


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def daily_sales(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    since: date | None = None,
    until: date | None = None,
) -> list[DaySales]:
    """Orders and their totals per day and currency, canceled orders left out; oldest first."""
    day = func.date(Order.placed_at)
    query = select(
        day,
        Order.currency,
        func.count(),
        func.coalesce(func.sum(Order.grand_total), 0),
        func.coalesce(func.sum(Order.vat_total), 0),
    ).where(Order.store_id == store_id, Order.state.not_in(NOT_SALES))
    if since:
        query = query.where(Order.placed_at >= _start(since))
    if until:
        query = query.where(Order.placed_at < _end(until))
    with acting_for(session, tenant):
        rows = session.execute(query.group_by(day, Order.currency).order_by(day)).all()
    return [
        DaySales(_day(when), currency, int(count), int(gross), int(vat))
        for when, currency, count, gross, vat in rows
    ]


def item_sales(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    since: date | None = None,
    until: date | None = None,
    by: str = "quantity",
    limit: int = 10,
) -> list[ItemSales]:
    """The best-selling items (product or variant, from the lines' snapshots) of orders
    placed in the range, canceled orders left out; by `quantity` or by `revenue`."""
    quantity = func.sum(OrderItem.quantity)
    revenue = func.sum(OrderItem.line_total)
    query = (
        select(
            OrderItem.product_id,
            OrderItem.variant_id,
            OrderItem.sku,
            func.max(OrderItem.title),
            Order.currency,
            quantity,
            revenue,
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.store_id == store_id, Order.state.not_in(NOT_SALES))
    )
    if since:
        query = query.where(Order.placed_at >= _start(since))
    if until:
        query = query.where(Order.placed_at < _end(until))
    first, second = (revenue, quantity) if by == "revenue" else (quantity, revenue)
    query = (
        query.group_by(OrderItem.product_id, OrderItem.variant_id, OrderItem.sku, Order.currency)
        .order_by(first.desc(), second.desc(), OrderItem.sku)
        .limit(limit)
    )
    with acting_for(session, tenant):
        rows = session.execute(query).all()
    return [
        ItemSales(product, variant, sku, title, currency, int(count), int(total))
        for product, variant, sku, title, currency, count, total in rows
    ]


def daily_refunds(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    since: date | None = None,
    until: date | None = None,
) -> list[DayRefunds]:
    """Credit notes (refunds) issued per day and currency, with their amounts; oldest first."""
    day = func.date(CreditNote.issued_at)
    query = select(
        day,
        CreditNote.currency,
        func.count(),
        func.coalesce(func.sum(CreditNote.amount), 0),
        func.coalesce(func.sum(CreditNote.vat_total), 0),
    ).where(CreditNote.store_id == store_id)
    if since:
        query = query.where(CreditNote.issued_at >= _start(since))
    if until:
        query = query.where(CreditNote.issued_at < _end(until))
    with acting_for(session, tenant):
        rows = session.execute(query.group_by(day, CreditNote.currency).order_by(day)).all()
    return [
        DayRefunds(_day(when), currency, int(count), int(amount), int(vat))
        for when, currency, count, amount, vat in rows
    ]


def placed_day(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, order_id: uuid.UUID
) -> date | None:
    """The (UTC) day an order was placed, None when the store has no such order."""
    with acting_for(session, tenant):
        placed = session.scalar(
            select(Order.placed_at).where(Order.id == order_id, Order.store_id == store_id)
        )
    return placed.astimezone(UTC).date() if placed else None
