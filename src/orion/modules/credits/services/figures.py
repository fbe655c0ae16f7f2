"""Aggregated ledger figures for reports (the analytics module): credits added and spent
per day, one GROUP BY in the database; UTC days, [since, until] both included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.credits.models import CreditTransaction


@dataclass(frozen=True, slots=True)
class LedgerDay:
    day: date
    credited: int  # added: grants, purchases, refunds, releases
    debited: int  # taken: deductions, holds
    entries: int


def ledger_days(
    session: Session, tenant: TenantContext, *, since: date, until: date
) -> list[LedgerDay]:
    """Per day with movements: credits added, credits taken, ledger entries; oldest first."""
    day = func.date(CreditTransaction.created_at)
    amount = CreditTransaction.amount
    query = (
        select(
            day,
            func.sum(case((amount > 0, amount), else_=0)),
            func.sum(case((amount < 0, -amount), else_=0)),
            func.count(),
        )
        .where(
            CreditTransaction.created_at >= datetime.combine(since, time.min, tzinfo=UTC),
            CreditTransaction.created_at
            < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC),
        )
        .group_by(day)
        .order_by(day)
    )
    with acting_for(session, tenant):
        rows = session.execute(query).all()
    return [
        LedgerDay(date.fromisoformat(str(when)[:10]), int(plus or 0), int(minus or 0), int(n))
        for when, plus, minus, n in rows
    ]
