"""The module's tasks are declared, routed to their queues and scheduled."""

from __future__ import annotations

QUEUES = {
    "marketplace.process_marketplace_import": "long_running",
    "marketplace.process_historical_import": "long_running",
    "marketplace.sync_store_directory": "long_running",
    "marketplace.export_store_products_to_folder": "default",
    "marketplace.export_marketplace_products": "default",
    "marketplace.sync_orders": "scheduled",
    "marketplace.remove_old_exports": "scheduled",
}


def test_every_task_is_registered_on_its_queue(runtime):
    routes = runtime.celery.conf.task_routes
    for name, queue in QUEUES.items():
        assert name in runtime.celery.tasks
        assert routes[name]["queue"] == queue, name


def test_the_directory_runs_daily_and_the_order_sync_for_every_tenant(runtime):
    schedule = runtime.celery.conf.beat_schedule
    directory = schedule["marketplace.sync_store_directory"]
    assert directory["options"]["queue"] == "long_running"
    assert directory["schedule"].hour == {2} and directory["schedule"].minute == {40}
    sync = schedule["marketplace.sync_orders"]
    assert sync["task"] == "kernel.fan_out" and sync["kwargs"]["task"] == "marketplace.sync_orders"
    assert schedule["marketplace.remove_old_exports"]["task"] == "marketplace.remove_old_exports"
