"""Totals are computed once, at placement, in integers: VAT per rate out of gross prices
(rounded half up per rate group), the discount shared between the rates, shipping at the
highest rate of the order's items."""

from __future__ import annotations

import pytest

from orion.modules.orders.services.totals import Line, allocate, compute, refund_breakdown, vat_in


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (11700, 1700, 1700),  # 117.00 incl. 17 % -> 17.00
        (1490, 1700, 216),  # 14.90 * 17/117 = 2.1649 -> 2.16
        (890, 300, 26),  # 8.90 * 3/103 = 0.2592 -> 0.26
        (10300, 300, 300),
        (117, 1700, 17),
        (1, 1700, 0),  # 0.145 -> 0
        (7, 1700, 1),  # 1.017 -> 1
        (1000, 0, 0),
        (0, 1700, 0),
    ],
)
def test_vat_is_taken_out_of_the_gross_and_rounded_half_up(gross, rate, vat):
    assert vat_in(gross, rate) == vat


def test_a_half_cent_rounds_up():
    # 2340 * 1700 / 11700 = 340.0; 351 * 300 / 10300 = 10.223...; find an exact half:
    # gross * r / (10000 + r) = n + 0.5  <=>  2 * gross * r = (2n + 1) * (10000 + r)
    assert vat_in(10150, 1500) == 1324  # 10150 * 1500 / 11500 = 1323.91 -> 1324
    assert vat_in(23, 1500) == 3  # 2.9999... -> 3
    assert vat_in(115, 1500) == 15
    assert vat_in(2875, 1500) == 375  # 375.0 exactly
    assert vat_in(1955, 1500) == 255  # 255.0
    assert vat_in(391, 1500) == 51  # 51.0
    assert vat_in(345, 1500) == 45
    assert vat_in(7, 10000) == 4  # 3.5 -> 4: the half goes up


def test_totals_of_two_rates_are_computed_per_rate_group_not_per_line():
    lines = [Line(1490, 2, 1700), Line(890, 3, 300), Line(10, 1, 1700)]
    totals = compute(lines)
    assert totals.items_total == 2980 + 2670 + 10
    # 17 %: 2990 gross -> 434.44 -> 434 (per line it would be 432.99 + 1.45 rounded apart)
    assert totals.vat_breakdown == {
        "1700": {"gross": 2990, "vat": 434},
        "300": {"gross": 2670, "vat": 78},
    }
    assert totals.vat_total == 512
    assert totals.grand_total == 5660


def test_the_discount_is_shared_between_rates_like_their_gross():
    lines = [Line(3000, 1, 1700), Line(1000, 1, 300)]
    totals = compute(lines, discount=400)
    assert totals.vat_breakdown == {
        "1700": {"gross": 2700, "vat": vat_in(2700, 1700)},
        "300": {"gross": 900, "vat": vat_in(900, 300)},
    }
    assert totals.discount_total == 400
    assert totals.grand_total == 3600


def test_shares_add_up_exactly_and_ties_go_to_the_higher_rate():
    assert allocate(1, {1700: 500, 300: 500}) == {1700: 1, 300: 0}
    assert allocate(100, {1700: 1, 800: 1, 300: 1}) == {1700: 34, 800: 33, 300: 33}
    assert sum(allocate(999, {1700: 333, 300: 667}).values()) == 999


def test_shipping_is_charged_at_the_highest_rate_of_the_items():
    books = compute([Line(3200, 1, 300)], shipping=500)
    assert books.shipping_vat_rate == 300
    assert books.vat_breakdown == {"300": {"gross": 3700, "vat": vat_in(3700, 300)}}
    mixed = compute([Line(3200, 1, 300), Line(1490, 1, 1700)], shipping=500)
    assert mixed.shipping_vat_rate == 1700
    assert mixed.vat_breakdown["1700"] == {"gross": 1990, "vat": vat_in(1990, 1700)}
    assert mixed.grand_total == 3200 + 1490 + 500


def test_an_amount_refunded_shares_its_vat_like_the_order():
    order = compute([Line(3000, 1, 1700), Line(1000, 1, 300)]).vat_breakdown
    assert refund_breakdown(400, order) == {
        "1700": {"gross": 300, "vat": vat_in(300, 1700)},
        "300": {"gross": 100, "vat": vat_in(100, 300)},
    }


def test_a_placed_order_stores_its_snapshot_and_totals(shop):
    order = shop.place(
        ("MUG", 2), ("BEANS", 3), ("TEE-XL", 1), shipping_total=490, discount_total=300
    )
    detail = shop.order(order.id)
    assert [
        (i.sku, i.title, i.unit_price, i.vat_rate, i.quantity, i.line_total) for i in detail.items
    ] == [
        ("MUG", "Product MUG", 1490, 1700, 2, 2980),
        ("BEANS", "Product BEANS", 890, 300, 3, 2670),
        ("TEE-XL", "Product TEE (XL)", 2690, 1700, 1, 2690),
    ]
    assert detail.items[2].variant_id is not None
    assert detail.items[0].product_id == shop.products["MUG"]
    expected = compute(
        [Line(1490, 2, 1700), Line(890, 3, 300), Line(2690, 1, 1700)], shipping=490, discount=300
    )
    assert (detail.items_total, detail.discount_total, detail.shipping_total) == (8340, 300, 490)
    assert detail.grand_total == 8340 - 300 + 490 == expected.grand_total
    assert detail.vat_total == expected.vat_total
    assert detail.vat_breakdown == expected.vat_breakdown
    assert detail.shipping_vat_rate == 1700
    assert detail.currency == "EUR"
    assert detail.state == "pending"
    assert detail.number == f"{shop.store_code}-000001"
