"""Prometheus gauges on the kernel's `/metrics`: the latest snapshot's figures and the open
notifications, read from the database when scraped (so every API process shows the same,
whichever worker took the snapshot).

One collector is registered on prometheus-client's default registry, once per process:
it is kept on the registry itself, so importing this module again (tests do) reuses it
rather than registering a second one with the same names. `on_startup` points it at the
runtime; scrapes before that, or a failing read, give no monitoring gauges (and a log).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import structlog
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

from orion.kernel.runtime import Runtime
from orion.modules.monitoring.models import NOTIFICATION_KINDS
from orion.modules.monitoring.repository import NotificationRepository, SnapshotRepository
from orion.modules.monitoring.services.snapshots import COUNTED

log = structlog.get_logger(__name__)

_ATTRIBUTE = "_orion_monitoring_collector"


class SnapshotCollector:
    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def describe(self) -> list[Any]:
        return []  # collected from the database on each scrape, not at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        runtime = self.runtime
        if runtime is None:
            return
        try:
            with runtime.database.unit_of_work() as session:
                snapshot = SnapshotRepository(session).latest()
                open_by_kind = NotificationRepository(session).open_by_kind()
                families = list(_families(snapshot, open_by_kind))
        except Exception:
            log.warning("monitoring_metrics_unavailable", exc_info=True)
            return
        yield from families


def _gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"orion_monitoring_{name}", documentation, labels=list(labels))


def _families(snapshot: Any, open_by_kind: dict[str, int]) -> Iterator[GaugeMetricFamily]:
    notifications = _gauge("open_notifications", "Admin notifications not acknowledged", ("kind",))
    for kind in NOTIFICATION_KINDS:
        notifications.add_metric([kind], open_by_kind.get(kind, 0))
    yield notifications
    if snapshot is None:
        return
    taken = _gauge("snapshot_timestamp_seconds", "When the latest snapshot was taken")
    taken.add_metric([], snapshot.taken_at.timestamp())
    yield taken
    entities = _gauge("entities", "Rows of the platform's entities", ("entity",))
    for field in COUNTED:
        value = getattr(snapshot, field)
        if value is not None:
            entities.add_metric([field], value)
    yield entities
    if snapshot.database_bytes is not None:
        size = _gauge("database_bytes", "Size of the database")
        size.add_metric([], snapshot.database_bytes)
        yield size
    tables = _gauge("table_bytes", "Size of the largest tables", ("table",))
    for table in snapshot.largest_tables:
        if table.get("bytes") is not None:
            tables.add_metric([table["name"]], table["bytes"])
    yield tables
    depths = _gauge("queue_depth", "Messages waiting in a queue (Redis broker)", ("queue",))
    for queue, depth in sorted(snapshot.queue_depths.items()):
        if depth is not None:
            depths.add_metric([queue], depth)
    yield depths
    if snapshot.workers is not None:
        workers = _gauge("workers", "Workers that answered a ping")
        workers.add_metric([], len(snapshot.workers))
        yield workers
    for name, value, text in (
        ("task_runs_finished", snapshot.runs_finished, "Task runs finished in the window"),
        ("task_runs_failed", snapshot.runs_failed, "Task runs failed or lost in the window"),
        ("task_failure_ratio", snapshot.failure_rate_bp / 10_000, "Failed share of those runs"),
        ("outbox_pending", snapshot.outbox_pending, "Outbox events not delivered yet"),
        ("outbox_stalled", snapshot.outbox_stalled, "Outbox events undelivered too long"),
        ("webhooks_failed", snapshot.webhooks_failed, "Webhooks failed in the window"),
    ):
        gauge = _gauge(name, text)
        gauge.add_metric([], value)
        yield gauge
    by_platform = snapshot.by_platform or {}
    for name, field, text in (
        ("platform_task_runs_finished", "runs_finished", "A platform's task runs finished"),
        ("platform_task_runs_failed", "runs_failed", "A platform's task runs failed or lost"),
        ("platform_outbox_stalled", "outbox_stalled", "A platform's outbox events stalled"),
    ):
        gauge = _gauge(name, text, ("platform",))
        for platform_id, row in sorted(by_platform.items()):
            gauge.add_metric([platform_id], int(row.get(field, 0)))
        yield gauge


def collector() -> SnapshotCollector:
    existing = getattr(REGISTRY, _ATTRIBUTE, None)
    if existing is None:
        existing = SnapshotCollector()
        REGISTRY.register(existing)  # type: ignore[arg-type]
        setattr(REGISTRY, _ATTRIBUTE, existing)
    return existing


def on_startup(runtime: Runtime) -> None:
    collector().runtime = runtime


def on_shutdown(runtime: Runtime) -> None:
    current = collector()
    if current.runtime is runtime:
        current.runtime = None
