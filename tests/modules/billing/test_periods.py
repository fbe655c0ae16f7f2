"""Billing periods: calendar months and years, anchored on the day the subscription began."""

from __future__ import annotations

from datetime import UTC, datetime

from orion.modules.billing.periods import add_interval, month_start, period_containing


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_a_month_after_the_31st_is_the_last_day_of_a_shorter_month():
    assert add_interval(at(2027, 1, 31), "month") == at(2027, 2, 28)
    assert add_interval(at(2028, 1, 31), "month") == at(2028, 2, 29)
    assert add_interval(at(2027, 12, 15), "month") == at(2028, 1, 15)
    assert add_interval(at(2028, 2, 29), "year") == at(2029, 2, 28)


def test_periods_keep_their_anchor_day_after_a_short_month():
    start = at(2027, 1, 31)
    assert period_containing(start, "month", at(2027, 3, 5)) == (at(2027, 2, 28), at(2027, 3, 31))
    assert period_containing(start, "month", at(2027, 4, 1)) == (at(2027, 3, 31), at(2027, 4, 30))
    assert period_containing(start, "month", at(2027, 1, 31)) == (start, at(2027, 2, 28))


def test_monthly_counters_start_on_the_first_of_the_month_utc():
    assert month_start(at(2027, 5, 17)) == datetime(2027, 5, 1, tzinfo=UTC)
