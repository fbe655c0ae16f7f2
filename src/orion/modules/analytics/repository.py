"""Analytics queries: the daily sales rollup (replaced a range of days at a time, summed
into periods by the database) and each store's rollup mark."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, delete, func, insert, select, update

from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.repository import RepositoryBase
from orion.modules.analytics.models import DailySales, Rollup


def period_start(column: Any, granularity: str, dialect: str) -> ColumnElement[Any]:
    """The first day of the day's week (Monday) or month, in SQL of the dialect."""
    if granularity == "day":
        return column
    if dialect == "postgresql":
        return cast(func.date_trunc(granularity, column), Date)
    if granularity == "week":  # SQLite: on to Sunday (itself if it is one), back to Monday
        return func.date(column, "weekday 0", "-6 days")
    return func.date(column, "start of month")


class DailySalesRepository(RepositoryBase[DailySales]):
    model = DailySales

    def replace(
        self,
        tenant_id: uuid.UUID,
        store_id: uuid.UUID,
        since: date | None,
        until: date,
        rows: Sequence[dict[str, Any]],
    ) -> None:
        """The store's days in [since, until] (all up to `until` without `since`) become
        `rows`: one DELETE, one multi-row INSERT."""
        query = delete(DailySales).where(DailySales.store_id == store_id, DailySales.day <= until)
        if since is not None:
            query = query.where(DailySales.day >= since)
        self.session.execute(query.execution_options(synchronize_session=False))
        if rows:
            now = utcnow()
            values = [
                {"id": uuid.uuid4(), "tenant_id": tenant_id, "store_id": store_id,
                 "refreshed_at": now, **row}
                for row in rows
            ]  # fmt: skip
            self.session.execute(insert(DailySales), values)

    def periods(
        self, store_id: uuid.UUID, since: date, until: date, granularity: str
    ) -> list[tuple[Any, ...]]:
        """(period start, currency, orders, grand total, VAT) per period and currency."""
        dialect = self.session.get_bind().dialect.name
        start = period_start(DailySales.day, granularity, dialect)
        query = (
            select(
                start,
                DailySales.currency,
                func.sum(DailySales.orders),
                func.sum(DailySales.grand_total),
                func.sum(DailySales.vat_total),
            )
            .where(
                DailySales.store_id == store_id, DailySales.day >= since, DailySales.day <= until
            )
            .group_by(start, DailySales.currency)
            .order_by(start)
        )
        return [tuple(row) for row in self.session.execute(query)]


class RollupRepository(RepositoryBase[Rollup]):
    model = Rollup

    def through(self, store_id: uuid.UUID) -> date | None:
        """The last day the store's rollup holds, None before its first refresh."""
        return self.session.scalar(select(Rollup.through).where(Rollup.store_id == store_id))

    def mark(self, tenant_id: uuid.UUID, store_id: uuid.UUID, through: date) -> None:
        values = {"tenant_id": tenant_id, "store_id": store_id, "through": through}
        if not insert_or_ignore(self.session, Rollup, values, unique=("store_id",)):
            self.session.execute(
                update(Rollup)
                .where(Rollup.store_id == store_id)
                .values(through=through, refreshed_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    def lower(self, store_id: uuid.UUID, before: date) -> None:
        """The rollup no longer holds `before` and the days after it (they changed)."""
        self.session.execute(
            update(Rollup)
            .where(Rollup.store_id == store_id, Rollup.through >= before)
            .values(through=before - timedelta(days=1))
            .execution_options(synchronize_session=False)
        )
