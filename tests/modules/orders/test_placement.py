"""Placing an order: validation naming the field, nothing written when refused, one order
per idempotency key, the plan's monthly limit, stock reserved by inventory in the same
transaction, and the hot path's SQL statements."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from orion.kernel.data.tenancy import all_tenants
from orion.kernel.errors import OrionError
from orion.modules.orders import services
from orion.modules.orders.models import Order, OrderEvent, OrderItem
from tests.modules.orders.conftest import order_data


def count_orders(shop) -> int:
    with shop.work() as session:
        return session.scalar(select(func.count(Order.id)).where(Order.store_id == shop.store_id))


def refused(shop, *lines, key=None, **fields) -> OrionError:
    with pytest.raises(OrionError) as caught:
        shop.place(*lines, key=key, **fields)
    return caught.value


def test_numbers_follow_each_other_per_store(shop):
    first, second = shop.place(("MUG", 1)), shop.place(("BOOK", 1))
    assert (first.number, second.number) == (
        f"{shop.store_code}-000001",
        f"{shop.store_code}-000002",
    )


def test_lines_are_kept_as_given_even_for_the_same_sku(shop):
    order = shop.place(("MUG", 1), ("MUG", 2))
    detail = shop.order(order.id)
    assert [(i.position, i.sku, i.quantity) for i in detail.items] == [(0, "MUG", 1), (1, "MUG", 2)]


def test_an_unknown_sku_is_refused_naming_its_line_and_nothing_is_written(shop):
    error = refused(shop, ("MUG", 1), ("NOPE", 1), ("GONE", 2))
    assert error.status == 422
    assert [e.field for e in error.errors] == ["items[1].sku", "items[2].sku"]
    assert "NOPE" in error.errors[0].message
    assert count_orders(shop) == 0


def test_a_product_with_variants_is_sold_by_its_variants_only(shop):
    error = refused(shop, ("TEE", 1))
    assert [e.field for e in error.errors] == ["items[0].sku"]


def test_another_currency_is_refused_naming_currency(shop):
    error = refused(shop, ("MUG", 1), currency="USD")
    assert (error.status, [e.field for e in error.errors]) == (422, ["currency"])
    shop.place(("MUG", 1), currency="eur")  # the store's own, in any case


def test_a_discount_above_the_items_is_refused_naming_discount_total(shop):
    error = refused(shop, ("MUG", 1), discount_total=1491)
    assert [e.field for e in error.errors] == ["discount_total"]


def test_placing_through_the_api_names_bad_fields(client, shop, admin_headers):
    base = {"customer_email": "c@example.com", "items": [{"sku": "MUG", "quantity": 1}]}
    cases = [
        ({"items": [{"sku": "MUG", "quantity": 0}]}, "items[0].quantity"),
        (
            {"items": [{"sku": "MUG", "quantity": 1}, {"sku": "MUG", "quantity": -2}]},
            "items[1].quantity",
        ),
        ({"shipping_total": 4.9}, "shipping_total"),
        ({"discount_total": 1.5}, "discount_total"),
        ({"items": [{"sku": "ZZZ", "quantity": 1}]}, "items[0].sku"),
        ({"currency": "GBP"}, "currency"),
        ({"customer_email": "not-an-address"}, "customer_email"),
        ({"items": []}, "items"),
    ]
    for change, field in cases:
        response = client.post(shop.api(), json={**base, **change}, headers=admin_headers)
        assert response.status_code == 422, (change, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (change, response.json())
    assert count_orders(shop) == 0


def test_a_replayed_key_answers_the_same_order(client, shop, admin_headers):
    body = {"customer_email": "c@example.com", "items": [{"sku": "MUG", "quantity": 2}]}
    headers = {**admin_headers, "Idempotency-Key": "checkout-1"}
    first = client.post(shop.api(), json=body, headers=headers)
    again = client.post(shop.api(), json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert count_orders(shop) == 1
    other = client.post(
        shop.api(), json={**body, "items": [{"sku": "BOOK", "quantity": 1}]}, headers=headers
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")


@pytest.mark.postgres
def test_concurrent_replays_of_one_key_place_one_order(client, shop, admin_headers):
    body = {"customer_email": "c@example.com", "items": [{"sku": "MUG", "quantity": 1}]}
    headers = {**admin_headers, "Idempotency-Key": "same-key"}
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(8)

    def replay() -> None:
        start.wait()
        response = client.post(shop.api(), json=body, headers=headers)
        answers.append((response.status_code, response.json().get("id", response.text)))

    threads = [threading.Thread(target=replay) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200] * 7 + [201], answers
    assert len({order_id for _, order_id in answers}) == 1
    assert count_orders(shop) == 1


def test_stock_is_reserved_in_the_placing_transaction(stocked_shop):
    from orion.modules.inventory import services as inventory

    shop = stocked_shop
    order = shop.place(("MUG", 3), ("MUG", 2), ("BOOK", 1))  # BOOK is not tracked
    with shop.work() as session:
        reservations = inventory.reservations_listing(session, shop.tenant, store_id=shop.store_id)
    held = [r for r in reservations.data if r.reference == f"order:{order.id}"]
    assert sum(r.quantity for r in held) == 5


def test_short_stock_refuses_the_whole_order_and_writes_nothing(stocked_shop):
    shop = stocked_shop
    error = refused(shop, ("MUG", 1), ("BEANS", 6))
    assert (error.status, error.code) == (409, "insufficient_stock")
    assert [e.field for e in error.errors] == ["items[1].quantity"]
    assert count_orders(shop) == 0
    with shop.work() as session, all_tenants(session):
        assert (
            session.scalar(
                select(func.count(OrderItem.id))
                .join(Order, Order.id == OrderItem.order_id)
                .where(Order.store_id == shop.store_id)
            )
            == 0
        )
    # the number was not used up either
    assert shop.place(("MUG", 1)).number == f"{shop.store_code}-000001"


def test_the_monthly_order_limit_of_the_plan_is_a_402(runtime, shop, enable, client, admin_headers):
    from orion.modules.billing import services as billing
    from orion.modules.billing.schemas import SubscriptionPlanCreate, UserSubscriptionCreate

    enable("billing", tenant_id=shop.tenant.tenant_id)
    with runtime.database.unit_of_work() as session:
        plan = billing.create_plan(
            session,
            shop.tenant.platform_id,
            data=SubscriptionPlanCreate(
                code=f"tiny-{shop.store_code}",
                name="Tiny",
                price_amount=0,
                currency="EUR",
                interval="month",
                trial_days=0,
                limits={"orders_per_month": 2},
            ),
        )
    with shop.work() as session:
        billing.subscribe(
            session, shop.tenant, user_id=None, data=UserSubscriptionCreate(plan_id=plan.id)
        )
    body = {"customer_email": "c@example.com", "items": [{"sku": "MUG", "quantity": 1}]}
    placed = [client.post(shop.api(), json=body, headers=admin_headers) for _ in range(2)]
    assert [r.status_code for r in placed] == [201, 201], placed[0].text
    third = client.post(shop.api(), json=body, headers=admin_headers)
    assert (third.status_code, third.json()["code"]) == (402, "plan_limit_reached")
    assert count_orders(shop) == 2


def test_placing_an_order_takes_at_most_15_statements(stocked_shop):
    """Everything the checkout runs for an order with a key and a tracked item, the store's
    lookup and the tenant setting included: what the request does beyond authentication."""
    shop = stocked_shop
    shop.place(("MUG", 1))  # the store's sequence row exists from now on
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.startswith("BEGIN"):  # SQLite's; PostgreSQL's is no cursor statement
            statements.append(" ".join(statement.split())[:80])

    engine = shop.runtime.database.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with shop.work() as session:
            services.place_order(
                session,
                shop.tenant,
                store_id=shop.store_id,
                data=order_data(("MUG", 2)),
                idempotency_key="count-me",
            )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 15, statements
    with shop.work() as session:
        events = session.scalars(
            select(OrderEvent.kind)
            .join(Order, Order.id == OrderEvent.order_id)
            .where(Order.idempotency_key == "count-me")
        ).all()
    assert events == ["placed"]
