"""Many checkouts at once (threads, each with its own unit of work acting for the tenant,
as concurrent requests are): never more sold than there is, never a deadlock, the ledger
exact. Meaningful on PostgreSQL, where the transactions overlap."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from orion.kernel.errors import OrionError
from tests.modules.inventory.conftest import order_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("ORION_TEST_DATABASE_URL"), reason="needs PostgreSQL"),
]


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released together; results or raised errors."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def outcomes(results: list[Any]) -> Counter[str]:
    return Counter(
        r.code
        if isinstance(r, OrionError)
        else type(r).__name__
        if isinstance(r, Exception)
        else "ok"
        for r in results
    )


def test_twenty_checkouts_for_the_last_five_units_sell_exactly_five(shop):
    main = shop.location("main")
    beans = shop.product("LAST-5")
    shop.receive(main, beans, 5)

    results = at_once([lambda: order_of(shop, ("LAST-5", 1))] * 20)

    assert outcomes(results) == Counter({"ok": 5, "insufficient_stock": 15})
    assert shop.level(main, beans) == (5, 5)
    assert shop.available(beans) == 0
    assert shop.ledger_is_exact()


def test_two_lines_of_one_product_are_checked_together_under_concurrency(shop):
    main = shop.location("main")
    beans = shop.product("PAIR")
    shop.receive(main, beans, 7)

    # Each order wants 2 + 1; 7 units cover two of them. 4 + 4 never fits.
    fitting = [lambda: order_of(shop, ("PAIR", 2), ("PAIR", 1))] * 6
    too_big = [lambda: order_of(shop, ("PAIR", 4), ("PAIR", 4))] * 2
    results = at_once(fitting + too_big)

    assert outcomes(results[:6]) == Counter({"ok": 2, "insufficient_stock": 4})
    assert outcomes(results[6:]) == Counter({"insufficient_stock": 2})
    assert shop.level(main, beans) == (7, 6)
    assert shop.ledger_is_exact()


def test_stock_spread_over_locations_is_allocated_across_them_without_deadlock(shop):
    main = shop.location("main", priority=10)
    backroom = shop.location("backroom", priority=20)
    shop_floor = shop.location("shop", priority=30)
    beans, mug = shop.product("SPREAD-A"), shop.product("SPREAD-B")
    for location, quantity in ((main, 3), (backroom, 4), (shop_floor, 5)):
        shop.receive(location, beans, quantity)
        shop.receive(location, mug, quantity)

    # Opposite line orders: locks taken line by line would deadlock; sorted ones queue.
    forward = [lambda: order_of(shop, ("SPREAD-A", 2), ("SPREAD-B", 1))] * 8
    backward = [lambda: order_of(shop, ("SPREAD-B", 2), ("SPREAD-A", 1))] * 8
    results = at_once(forward + backward)

    counted = outcomes(results)
    assert set(counted) <= {"ok", "insufficient_stock"}, counted
    reserved_a = sum(shop.level(loc, beans)[1] for loc in (main, backroom, shop_floor))
    reserved_b = sum(shop.level(loc, mug)[1] for loc in (main, backroom, shop_floor))
    assert reserved_a + reserved_b == 3 * counted["ok"]
    assert reserved_a <= 12 and reserved_b <= 12
    # Enough was asked for to empty at least one of them, by priority: main first.
    assert max(reserved_a, reserved_b) >= 11
    assert shop.level(main, beans)[1] == 3 and shop.level(main, mug)[1] == 3
    assert shop.ledger_is_exact()


def test_concurrent_receipts_and_checkouts_keep_the_ledger_exact(shop):
    main = shop.location("main")
    beans = shop.product("MIXED")
    shop.receive(main, beans, 4)

    buys = [lambda: order_of(shop, ("MIXED", 1))] * 10
    receipts = [lambda: shop.receive(main, beans, 1)] * 6
    results = at_once(buys + receipts)

    sold = outcomes(results[:10])["ok"]
    assert outcomes(results[10:]) == Counter({"ok": 6})
    assert 4 <= sold <= 10
    assert shop.level(main, beans) == (10, sold)
    assert shop.ledger_is_exact()
