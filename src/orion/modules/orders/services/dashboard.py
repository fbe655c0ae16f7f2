"""The orders cards of a tenant's home page (the kernel's `dashboard_cards` point): orders
and sales of the last 30 days (daily series), and the orders waiting for the merchant."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy.orm import Session

from orion.kernel.contract.points import DashboardCard
from orion.kernel.data.db import utcnow
from orion.kernel.data.money import format_money
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.orders.repository import OrderRepository
from orion.modules.orders.schemas import OrderState

DAYS = 30
ORDERS = "/console/orders/"
TO_CONFIRM = (OrderState.PENDING,)
TO_SHIP = (OrderState.CONFIRMED, OrderState.PAID, OrderState.PARTIALLY_FULFILLED)


def dashboard_cards(session: Session, tenant: TenantContext) -> list[DashboardCard]:
    today = utcnow().date()
    since = today - timedelta(days=DAYS - 1)
    with acting_for(session, tenant):
        orders = OrderRepository(session)
        daily = orders.daily_since(since, excluding=(OrderState.CANCELED.value,))
        by_state = orders.count_by_state()
    count_by_day: dict[str, int] = defaultdict(int)
    sales: dict[str, int] = defaultdict(int)
    for day, currency, count, total in daily:
        count_by_day[str(day)] += count
        sales[currency] += total
    days = [(since + timedelta(days=n)).isoformat() for n in range(DAYS)]
    series = tuple((day, float(count_by_day.get(day, 0))) for day in days)
    cards = [
        DashboardCard(
            title="Orders",
            figure=sum(count_by_day.values()),
            detail=f"placed in the last {DAYS} days (canceled ones left out)",
            link=ORDERS,
            series=series,
        )
    ]
    if sales:
        main, *others = sorted(sales, key=lambda currency: -sales[currency])
        also = "; also " + ", ".join(format_money(sales[c], c) for c in others) if others else ""
        cards.append(
            DashboardCard(
                title="Sales",
                figure=format_money(sales[main], main),
                detail=f"VAT included, in the last {DAYS} days{also}",
                link=ORDERS,
                tone="good",
            )
        )
    waiting = sum(by_state.get(state.value, 0) for state in TO_CONFIRM)
    if waiting:
        cards.append(
            DashboardCard(
                title="Orders to confirm",
                figure=waiting,
                detail="placed and waiting for you to confirm them",
                link=f"{ORDERS}?state={OrderState.PENDING.value}",
                tone="warning",
                todo=True,
            )
        )
    to_ship = sum(by_state.get(state.value, 0) for state in TO_SHIP)
    if to_ship:
        cards.append(
            DashboardCard(
                title="Orders to ship",
                figure=to_ship,
                detail="confirmed or paid, not shipped in full yet",
                link=ORDERS,
                tone="warning",
                todo=True,
            )
        )
    return cards
