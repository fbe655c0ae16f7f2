"""The daily sales rollup: `refresh` recomputes a store's past days from the orders
(replacing them, so running it twice leaves the same rows) and moves the store's mark;
`on_order_canceled` takes the canceled order's day (and those after it) out of the rollup,
so reports compute them live until the next refresh."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.orm import Session

from orion.kernel.data.db import serialise, utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for, require_tenant
from orion.modules.analytics.repository import DailySalesRepository, RollupRepository
from orion.modules.orders import services as orders
from orion.modules.orders.events import OrderCanceled
from orion.modules.tenancy import services as tenancy

# Days recomputed before the mark on every refresh (late changes the mark missed).
OVERLAP_DAYS = 7
LOCK = "analytics.rollup"


def refresh_store(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Recompute the store's days [since, until] (default: from a week before its mark, or
    from its first order, to yesterday; never today, which reports compute live); how
    many (day, currency) rows the rollup now holds for them."""
    yesterday = utcnow().date() - timedelta(days=1)
    until = min(until or yesterday, yesterday)
    with acting_for(session, tenant):
        serialise(session, LOCK, store_id)  # one refresher (or cancellation) at a time
        marks = RollupRepository(session)
        through = marks.through(store_id)
        if since is None and through is not None:
            since = min(through, until) - timedelta(days=OVERLAP_DAYS)
        if since is not None and since > until:
            return 0
        days = orders.daily_sales(session, tenant, store_id=store_id, since=since, until=until)
        rows = [
            {
                "day": day.day,
                "currency": day.currency,
                "orders": day.orders,
                "grand_total": day.grand_total,
                "vat_total": day.vat_total,
            }
            for day in days
        ]
        DailySalesRepository(session).replace(tenant.tenant_id, store_id, since, until, rows)
        if since is None or through is None or since <= through + timedelta(days=1):
            marks.mark(tenant.tenant_id, store_id, max(until, through or until))
        session.flush()
    return len(rows)


def refresh(session: Session, tenant: TenantContext, *, until: date | None = None) -> int:
    """Refresh the rollup of each of the tenant's stores; the rows written."""
    return sum(
        refresh_store(session, tenant, store_id=store.id, until=until)
        for store in tenancy.stores.stores(session, tenant)
    )


def on_order_canceled(session: Session, event: OrderCanceled) -> None:
    """orders.order_canceled (after commit): the canceled order's day changed, so until the
    next refresh reports compute it (and the days after it) from the orders. Safe to run
    again: the mark only moves back."""
    tenant = require_tenant(session)
    placed = orders.placed_day(session, tenant, store_id=event.store_id, order_id=event.order_id)
    if placed is None:
        return
    with acting_for(session, tenant):
        serialise(session, LOCK, event.store_id)
        RollupRepository(session).lower(event.store_id, placed)
