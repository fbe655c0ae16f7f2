"""A capacity snapshot counts what the platform holds (checked against data made through
the services, as a delta), measures the database on either backend, reports the queues
honestly, and is taken by the worker on queue `scheduled`, now or on schedule."""

from __future__ import annotations

import uuid

import pytest

from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import ItemCreate
from orion.modules.monitoring import definition
from orion.modules.orders import services as orders
from orion.modules.orders.schemas import OrderCreate
from tests.conftest import BROKER_URL
from tests.helpers import wait_for
from tests.modules.monitoring.conftest import API, CAPTURE, capture

COUNTS = ("platforms", "tenants", "stores", "products", "orders", "users")


def _shop_with_an_order(runtime, make_platform, make_tenant, make_store, make_member, enable):  # type: ignore[no-untyped-def]
    """One platform, one tenant with two stores, two products, one order and one member."""
    make_platform()
    tenant = make_tenant()
    enable("orders", tenant_id=tenant.tenant_id)
    store = make_store(tenant)
    make_store(tenant)
    make_member(tenant)
    with runtime.database.unit_of_work(tenant=tenant) as session:
        for sku in ("MUG", "BOOK"):
            catalog.create_product(
                session,
                tenant,
                store_id=store.id,
                data=ItemCreate(
                    sku=sku, titles={"en": sku}, price=1490, vat_rate=1700, status="active"
                ),
            )
    with runtime.database.unit_of_work(tenant=tenant) as session:
        orders.place_order(
            session,
            tenant,
            store_id=store.id,
            data=OrderCreate.model_validate(
                {
                    "items": [{"sku": "MUG", "quantity": 2}],
                    "customer_email": "c@example.com",
                    "customer_name": "C",
                }
            ),
            actor="user:test",
        )


def test_a_snapshot_counts_the_platforms_tenants_stores_products_orders_and_users(
    runtime, make_platform, make_tenant, make_store, make_member, enable
):
    before = capture(runtime)
    _shop_with_an_order(runtime, make_platform, make_tenant, make_store, make_member, enable)
    after = capture(runtime)
    deltas = {field: getattr(after, field) - getattr(before, field) for field in COUNTS}
    assert deltas == {
        "platforms": 1,
        "tenants": 1,
        "stores": 2,
        "products": 2,
        "orders": 1,
        "users": 1,
    }


def test_a_snapshot_measures_the_database_and_its_largest_tables(runtime):
    snapshot = capture(runtime)
    assert snapshot.database_bytes and snapshot.database_bytes > 0
    tables = snapshot.largest_tables
    assert 1 <= len(tables) <= 10
    assert all(set(row) == {"name", "bytes", "rows"} for row in tables)
    sizes = [row["bytes"] for row in tables]
    if runtime.database.dialect == "postgresql" or sizes[0] is not None:  # dbstat or pg_class
        assert sizes == sorted(sizes, reverse=True) and sizes[0] > 0
    else:  # SQLite without dbstat: the tables with the most rows
        rows = [row["rows"] for row in tables]
        assert rows == sorted(rows, reverse=True)


def test_queue_depths_are_unknown_on_the_embedded_broker_and_counted_on_redis(runtime):
    snapshot = capture(runtime)
    assert set(snapshot.queue_depths) == {"default", "long_running", "scheduled"}
    if BROKER_URL is None:
        assert snapshot.broker == "embedded"
        assert set(snapshot.queue_depths.values()) == {None}
    else:
        assert snapshot.broker == "redis"
        assert all(isinstance(depth, int) for depth in snapshot.queue_depths.values())


@pytest.mark.skipif(BROKER_URL is None, reason="queue depths need the Redis broker")
def test_a_task_waiting_in_redis_is_counted_in_its_queue(runtime):
    runtime.celery.control.purge()
    before = capture(runtime).queue_depths["long_running"]
    runtime.send_task("dev_tools.execute_test_run", kwargs={"run_id": str(uuid.uuid4())})
    try:
        assert capture(runtime).queue_depths["long_running"] == before + 1
    finally:
        runtime.celery.control.purge()


def test_the_snapshot_is_scheduled_every_15_minutes_on_queue_scheduled(runtime):
    (entry,) = [e for e in definition.scheduled_tasks if e.task_name == CAPTURE]
    assert (entry.task_name, entry.cron, entry.queue) == (CAPTURE, "*/15 * * * *", "scheduled")
    schedule = runtime.celery.conf.beat_schedule[CAPTURE]
    assert schedule["options"] == {"queue": "scheduled"}


def test_capture_now_answers_202_and_the_worker_takes_the_snapshot_on_queue_scheduled(
    client, operator_headers, worker
):
    response = client.post(f"{API}/snapshots", headers=operator_headers)
    assert response.status_code == 202, response.text
    accepted = response.json()

    def run():  # type: ignore[no-untyped-def]
        data = client.get(accepted["url"], headers=operator_headers).json()["data"]
        return data[0] if data and data[0]["state"] == "succeeded" else None

    assert wait_for(run, timeout=30)
    found = run()
    assert found["name"] == CAPTURE and found["queue"] == "scheduled"
    latest = client.get(f"{API}/snapshots/latest", headers=operator_headers).json()
    listed = client.get(f"{API}/snapshots?limit=5", headers=operator_headers).json()
    assert listed["data"][0]["id"] == latest["id"] and listed["count"] >= 1
    # The worker answered the snapshot's ping.
    assert latest["workers"] is None or len(latest["workers"]) >= 1
    one = client.get(f"{API}/snapshots/{latest['id']}", headers=operator_headers)
    assert one.status_code == 200 and one.json()["tenants"] == latest["tenants"]
