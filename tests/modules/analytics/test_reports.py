"""The reports against known sales: sales per day (VAT in and out), AOV, periods, best
sellers, refunds, stock value; the rollup agrees with the live figures and with the
orders themselves."""

from __future__ import annotations

from datetime import timedelta

from orion.kernel.data.db import utcnow
from orion.modules.analytics import services
from orion.modules.analytics.schemas import Granularity
from orion.modules.orders import services as orders

TODAY = utcnow().date


def span(days: int = 7, granularity: Granularity = Granularity.DAY):  # type: ignore[no-untyped-def]
    return services.report_range(TODAY() - timedelta(days=days - 1), TODAY(), granularity)


def report(shop, granularity=Granularity.DAY):  # type: ignore[no-untyped-def]
    with shop.work() as session:
        return services.sales_report(
            session, shop.tenant, store_id=shop.store_id, span=span(granularity=granularity)
        )


def by_day(sales) -> dict:  # type: ignore[no-untyped-def]
    return {
        p.period: (p.orders, p.gross, p.vat, p.net, p.average_order_value) for p in sales.points
    }


def test_sales_per_day_leave_out_canceled_orders_and_agree_with_the_orders(shop, sold):
    sales = report(shop)
    first, second, today = sold["first"], sold["second"], sold["today"]
    days = by_day(sales)
    assert days == {
        TODAY() - timedelta(days=2): (1, 6180, first.vat_total, 6180 - first.vat_total, 6180),
        TODAY() - timedelta(days=1): (1, 2670, second.vat_total, 2670 - second.vat_total, 2670),
        TODAY(): (1, 3270, today.vat_total, 3270 - today.vat_total, 3270),
    }
    (total,) = sales.totals
    assert (total.currency, total.orders, total.gross) == ("EUR", 3, 12120)
    assert total.vat == first.vat_total + second.vat_total + today.vat_total
    assert total.average_order_value == 4040  # 121.20 / 3


def test_the_average_order_value_rounds_half_up(shop):
    shop.place(("BEANS", 1))  # 8.90
    shop.place(("MUG", 1))  # 14.90
    shop.place(("MUG", 1))
    (total,) = report(shop).totals
    assert total.gross == 3870 and total.average_order_value == 1290  # 12.90


def test_weeks_and_months_sum_the_days(shop, sold):
    for granularity in (Granularity.WEEK, Granularity.MONTH):
        sales = report(shop, granularity)
        assert sum(p.gross for p in sales.points) == 12120
        assert sum(p.orders for p in sales.points) == 3
        starts = {services.period_of(TODAY() - timedelta(days=n), granularity) for n in range(3)}
        assert {p.period for p in sales.points} == starts


def test_the_rollup_and_the_live_query_agree(shop, sold):
    live = report(shop)
    live_periods = {g: report(shop, g).points for g in (Granularity.WEEK, Granularity.MONTH)}
    assert live.live_since == span().since
    with shop.work() as session:
        written = services.refresh(session, shop.tenant)
    assert written == 2  # two days before today had sales
    rolled = report(shop)
    assert rolled.live_since == TODAY()
    assert rolled.points == live.points and rolled.totals == live.totals
    for granularity, points in live_periods.items():
        assert report(shop, granularity).points == points


def test_refreshing_twice_replaces_the_days(shop, sold):
    with shop.work() as session:
        services.refresh(session, shop.tenant)
    with shop.work() as session:
        again = services.refresh(session, shop.tenant)
    with shop.work() as session:
        services.refresh_store(
            session, shop.tenant, store_id=shop.store_id, since=TODAY() - timedelta(days=30)
        )
    assert again == 2
    assert by_day(report(shop))[TODAY() - timedelta(days=1)][:2] == (1, 2670)


def test_an_order_of_a_rolled_up_day_canceled_later_leaves_the_sales(shop, sold, worker):
    with shop.work() as session:
        services.refresh(session, shop.tenant)
    shop.call(orders.cancel, sold["second"].id)

    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and report(shop).live_since == TODAY():
        time.sleep(0.2)
    sales = report(shop)
    assert sales.live_since == TODAY() - timedelta(days=1)
    assert TODAY() - timedelta(days=1) not in by_day(sales)
    assert sales.totals[0].gross == 6180 + 3270


def test_best_sellers_by_quantity_and_by_revenue(shop, sold):
    with shop.work() as session:
        quantity = services.top_items(session, shop.tenant, store_id=shop.store_id, span=span())
        revenue = services.top_items(
            session, shop.tenant, store_id=shop.store_id, span=span(), by="revenue"
        )
    assert [(i.sku, i.quantity, i.revenue) for i in quantity.items] == [
        ("BEANS", 5, 4450),
        ("MUG", 3, 4470),
        ("BOOK", 1, 3200),  # the canceled BOOK is left out
    ]
    assert [i.sku for i in revenue.items] == ["MUG", "BEANS", "BOOK"]
    assert quantity.items[1].title == "Product MUG"


def test_refunds_come_from_the_credit_notes(shop, sold):
    with shop.work() as session:
        refunds = services.refunds_report(session, shop.tenant, store_id=shop.store_id, span=span())
        notes = orders.order_credit_notes(session, shop.tenant, order_id=sold["today"].id)
    (point,) = refunds.points
    assert (point.period, point.credit_notes, point.amount) == (TODAY(), 1, 890)
    assert point.vat == sum(n.vat_total for n in notes) and point.amount == sum(
        n.amount for n in notes
    )


def test_stock_value_is_units_on_hand_at_catalog_prices_per_location(shop, sold):
    from orion.modules.tenancy import services as tenancy

    with shop.work() as session:
        store = tenancy.stores.store(session, shop.tenant, shop.store_id)
        stock = services.stock_value(session, shop.tenant, store=store)
    # Reserved units are still on hand; the fulfilled none. The canceled BOOK is released.
    by_location = {p.location_code: (p.units, p.value) for p in stock.locations}
    assert by_location == {
        "main": (20 + 10 + 3, 20 * 1490 + 10 * 890 + 3 * 3200),
        "shop": (5, 5 * 890),
    }
    assert stock.value == 20 * 1490 + 15 * 890 + 3 * 3200 and stock.unpriced_units == 0


def test_a_range_ending_before_it_starts_names_the_field(shop):
    import pytest

    from orion.kernel.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.report_range(TODAY(), TODAY() - timedelta(days=1))
    assert refused.value.errors[0].field == "until"
