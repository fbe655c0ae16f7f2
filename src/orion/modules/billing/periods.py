"""Billing periods and proration, in integers.

Proration of a plan change at `now` within [start, end):

    remaining = end - now, total = end - start       (whole seconds)
    credit    = ceil(old_price * remaining / total)   the unused part of the old plan
    charge    = floor(new_price * remaining / total)  the rest of the period on the new plan
    amount    = charge - credit                       positive: owed; negative: given back

Both legs are rounded in the customer's favour (credit up, charge down), each by less than
one minor unit, so the net is never more than one minor unit from the exact value.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime


def add_interval(moment: datetime, interval: str, count: int = 1) -> datetime:
    """`moment` plus `count` months or years; the 31st becomes the month's last day."""
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_containing(start: datetime, interval: str, now: datetime) -> tuple[datetime, datetime]:
    """The period of a subscription anchored at `start` that contains `now` (or the first)."""
    count = 0
    period_start, period_end = start, add_interval(start, interval)
    while period_end <= now:
        count += 1
        period_start, period_end = (
            add_interval(start, interval, count),
            add_interval(start, interval, count + 1),
        )
    return period_start, period_end


def month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def prorate(
    *, old_price: int, new_price: int, start: datetime, end: datetime, now: datetime
) -> int:
    total = int((end - start).total_seconds())
    remaining = max(0, min(total, int((end - now).total_seconds())))
    if total <= 0:
        return 0
    credit = -((-old_price * remaining) // total)  # ceiling division
    charge = (new_price * remaining) // total
    return charge - credit
