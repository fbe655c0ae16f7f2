"""Report ranges: checked dates, the period a day belongs to, amounts summed per period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from orion.kernel.data.db import utcnow
from orion.modules.analytics.exceptions import InvalidRange
from orion.modules.analytics.schemas import Granularity, ReportRange

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years of days in one report


def report_range(
    since: date | None, until: date | None, granularity: Granularity = Granularity.DAY
) -> ReportRange:
    """[since, until] with defaults (the last 30 days, today included); 422 naming the
    field when `until` is before `since` or the range is longer than two years."""
    until = until or utcnow().date()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if until < since:
        raise InvalidRange("until", f"until ({until}) is before since ({since})")
    if (until - since).days + 1 > MAX_DAYS:
        raise InvalidRange("since", f"a report covers at most {MAX_DAYS} days")
    return ReportRange(since=since, until=until, granularity=granularity)


def period_of(day: date, granularity: Granularity) -> date:
    """The first day of the day's period (weeks start on Monday)."""
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def periods(span: ReportRange) -> list[date]:
    """Every period of the range, oldest first (the labels of a chart)."""
    found: list[date] = []
    day = span.since
    while day <= span.until:
        start = period_of(day, span.granularity)
        if not found or found[-1] != start:
            found.append(start)
        day += timedelta(days=1)
    return found


def as_date(value: object) -> date:
    """A date the database answered (SQLite answers ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def add_into(
    sums: dict[tuple[date, str], list[int]], key: tuple[date, str], values: Iterable[int]
) -> None:
    """Add figures (already summed by the database) into the period's sums."""
    row = sums.setdefault(key, [0, 0, 0])
    for n, value in enumerate(values):
        row[n] += int(value or 0)


def average(total: int, count: int) -> int:
    """total / count rounded half up (amounts are non-negative); 0 without a count."""
    return (2 * total + count) // (2 * count) if count else 0
