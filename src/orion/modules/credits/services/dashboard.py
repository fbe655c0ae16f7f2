"""The credits cards of a tenant's home page (the kernel's `dashboard_cards` point): the
balance, what was spent in the last 30 days (a daily series), a low or empty balance as
something to do."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from orion.kernel.contract.points import DashboardCard
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.modules.credits.services.balances import balance_summary, daily_totals

DAYS = 30
CREDITS = "/console/credits/"


def dashboard_cards(session: Session, tenant: TenantContext) -> list[DashboardCard]:
    summary = balance_summary(session, tenant)
    spent_by_day = {day: debited for day, _credited, debited in daily_totals(session, tenant)}
    today = utcnow().date()
    days = [(today - timedelta(days=n)).isoformat() for n in range(DAYS - 1, -1, -1)]
    series = tuple((day, float(spent_by_day.get(day, 0))) for day in days)
    spent = int(sum(value for _, value in series))
    threshold = summary.low_balance_threshold
    low = threshold is not None and summary.balance < threshold
    held = f"; {summary.held:,} held by calls in progress" if summary.held else ""
    held = held.replace(",", "\u202f")
    cards = [
        DashboardCard(
            title="Credit balance",
            figure=summary.balance,
            detail=f"credits to spend{held}",
            link=CREDITS,
            tone="danger" if summary.balance == 0 else "warning" if low else "good",
        ),
        DashboardCard(
            title="Credits spent",
            figure=spent,
            detail=f"in the last {DAYS} days",
            link=CREDITS,
            series=series,
        ),
    ]
    if summary.balance == 0:
        cards.append(
            DashboardCard(
                title="Credits are used up" if spent else "No credits yet",
                figure="0 left",
                detail="metered calls (the AI gateway) are refused until credits are added",
                link=CREDITS,
                tone="danger",
                todo=True,
            )
        )
    elif low:
        cards.append(
            DashboardCard(
                title="Credits are running low",
                figure=f"{summary.balance:,} left".replace(",", "\u202f"),
                detail=f"below your alert threshold of {threshold:,}".replace(",", "\u202f"),
                link=CREDITS,
                tone="warning",
                todo=True,
            )
        )
    return cards
