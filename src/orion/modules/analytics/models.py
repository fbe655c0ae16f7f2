"""Analytics models: the daily sales rollup of each store and how far it is refreshed.

`analytics_daily_sales` holds, per store, day (UTC) and currency, what the orders placed
that day amount to (canceled ones left out), as `orders.services.daily_sales` computes it.
`analytics_rollup` says up to which day a store's rollup is complete: reports read the
rollup up to that day and compute the days after it (today always) live.
After changing a model: `orion db revision --module analytics -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, UUIDPrimaryKey, utcnow

STORE_FK = "tenancy_store.id"


class DailySales(UUIDPrimaryKey, TenantScoped, Base):
    """One store's sales of one day in one currency."""

    __tablename__ = "analytics_daily_sales"
    __table_args__ = (UniqueConstraint("store_id", "day", "currency"),)

    store_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(STORE_FK, ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    orders: Mapped[int] = mapped_column(Integer)
    grand_total: Mapped[int] = mapped_column(BigInteger)  # VAT included
    vat_total: Mapped[int] = mapped_column(BigInteger)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rollup(UUIDPrimaryKey, TenantScoped, Base):
    """How far a store's `analytics_daily_sales` is complete: every day up to `through`."""

    __tablename__ = "analytics_rollup"
    __table_args__ = (UniqueConstraint("store_id"),)

    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(STORE_FK, ondelete="CASCADE"))
    through: Mapped[date] = mapped_column(Date)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
