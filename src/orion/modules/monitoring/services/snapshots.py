"""Capacity snapshots: what the platform holds and how its machinery is doing.

Counts are rows of the tables the registry's models declare (read-only, Core, all tenants):
monitoring imports no other module's models, and tenancy/auth/catalog/orders offer no
platform-wide count. A module that is not installed gives None, not 0. Per platform, a
snapshot keeps what that platform's own thresholds judge: its tenants' task runs and
outbox events (tenants mapped to platforms through tenancy's service).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.orm import Session

from orion.kernel.contract.modules import QUEUES
from orion.kernel.data.db import after_commit, utcnow
from orion.kernel.data.paging import Page
from orion.kernel.runtime import Runtime, runtime_of
from orion.modules.monitoring.exceptions import SnapshotNotFound
from orion.modules.monitoring.models import CapacitySnapshot
from orion.modules.monitoring.repository import (
    OutboxRepository,
    SnapshotRepository,
    StorageRepository,
    TaskRunRepository,
)
from orion.modules.monitoring.schemas import CaptureAccepted, SnapshotsPublic
from orion.modules.monitoring.services import alerts
from orion.modules.monitoring.services.common import settings_of

log = structlog.get_logger(__name__)

CAPTURE_TASK = "monitoring.capture_capacity_snapshot"
COUNTED = {
    "platforms": "tenancy_platform",
    "tenants": "tenancy_tenant",
    "stores": "tenancy_store",
    "products": "catalog_product",
    "orders": "orders_order",
    "users": "auth_user",
}
# kombu's Redis transport keeps a queue's priorities 3, 6 and 9 in keys of their own.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITIES = (3, 6, 9)


def capture(session: Session) -> CapacitySnapshot:
    """Take a snapshot, store it, and raise the notifications it calls for."""
    runtime = runtime_of(session)
    settings = settings_of(runtime)
    started = time.perf_counter()
    now = utcnow()
    snapshots = SnapshotRepository(session)
    previous = snapshots.latest()
    storage = StorageRepository(session)
    window = now - timedelta(minutes=settings.failure_window_minutes)
    by_task = TaskRunRepository(session).failure_counts(window)
    finished = sum(total for total, _ in by_task.values())
    failed = sum(bad for _, bad in by_task.values())
    stalled_minutes = alerts.threshold_value(session, "outbox_stalled_minutes")
    outbox = OutboxRepository(session)
    stalled_before = now - timedelta(minutes=stalled_minutes)
    broker, depths = queue_depths(runtime)
    snapshot = CapacitySnapshot(
        taken_at=now,
        **{field: storage.count_rows(table) for field, table in COUNTED.items()},
        database_bytes=storage.database_bytes(),
        largest_tables=storage.largest_tables(settings.largest_tables),
        broker=broker,
        queue_depths=depths,
        workers=workers_seen(runtime, settings.ping_timeout_seconds),
        runs_finished=finished,
        runs_failed=failed,
        failure_rate_bp=(failed * 10_000 // finished) if finished else 0,
        runs_by_task={
            name: {"finished": total, "failed": bad} for name, (total, bad) in by_task.items()
        },
        outbox_pending=outbox.undelivered(),
        outbox_stalled=outbox.undelivered(older_than=stalled_before),
        webhooks_failed=sum(f.count for f in alerts.failed_webhooks(session, window).values()),
        by_platform=platform_figures(session, since=window, stalled_before=stalled_before),
    )
    snapshot.duration_ms = int((time.perf_counter() - started) * 1000)
    snapshots.add(snapshot)
    alerts.evaluate(session, snapshot, failed_since=previous.taken_at if previous else window)
    return snapshot


def platform_figures(
    session: Session, *, since: datetime, stalled_before: datetime
) -> dict[str, dict[str, Any]]:
    """Per platform: its tenants, their task runs finished since `since` (and failed), their
    undelivered outbox events older than `stalled_before` and the oldest one's time. Summed
    per tenant by the database; tenants are mapped to their platform here."""
    # Every active tenant (the kernel's directory: no page limit), mapped to its platform.
    tenants = runtime_of(session).directory.tenants(session)
    platform_of = {tenant.tenant_id: tenant.platform_id for tenant in tenants}
    figures: dict[str, dict[str, Any]] = {}

    def of(tenant_id: uuid.UUID) -> dict[str, Any] | None:
        platform = platform_of.get(tenant_id)
        if platform is None:
            return None  # deleted since the row was written
        return figures.setdefault(
            str(platform),
            {
                "tenants": 0,
                "runs_finished": 0,
                "runs_failed": 0,
                "failure_rate_bp": 0,
                "outbox_stalled": 0,
                "outbox_oldest_at": None,
            },
        )

    for tenant in tenants:
        row = of(tenant.tenant_id)
        assert row is not None
        row["tenants"] += 1
    for tenant_id, (finished, failed) in (
        TaskRunRepository(session).tenant_failure_counts(since).items()
    ):
        row = of(tenant_id)
        if row is not None:
            row["runs_finished"] += finished
            row["runs_failed"] += failed
    for tenant_id, (stalled, oldest) in (
        OutboxRepository(session).undelivered_by_tenant(stalled_before).items()
    ):
        row = of(tenant_id)
        if row is not None:
            row["outbox_stalled"] += stalled
            if row["outbox_oldest_at"] is None or oldest.isoformat() < row["outbox_oldest_at"]:
                row["outbox_oldest_at"] = oldest.isoformat()
    for row in figures.values():
        if row["runs_finished"]:
            row["failure_rate_bp"] = row["runs_failed"] * 10_000 // row["runs_finished"]
    return figures


def queue_depths(runtime: Runtime) -> tuple[str, dict[str, int | None]]:
    """(broker kind, queue -> messages waiting). Only Redis can tell: the embedded broker's
    queues live in the serving process, other brokers are not asked (None: unknown)."""
    url = runtime.settings.broker_url
    if not url:
        return "embedded", dict.fromkeys(QUEUES)
    if not url.startswith(("redis://", "rediss://")):
        return "other", dict.fromkeys(QUEUES)
    import redis

    prefix = runtime.settings.broker_key_prefix
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            depths: dict[str, int | None] = {}
            for queue in QUEUES:
                keys = [queue] + [f"{queue}{_PRIORITY_SEPARATOR}{p}" for p in _PRIORITIES]
                depths[queue] = sum(int(client.llen(f"{prefix}{key}")) for key in keys)
            return "redis", depths
        finally:
            client.close()
    except redis.RedisError:
        log.warning("monitoring_queue_depths_unavailable", exc_info=True)
        return "redis", dict.fromkeys(QUEUES)


def workers_seen(runtime: Runtime, timeout: float) -> list[str] | None:
    """The workers answering a ping within `timeout` seconds (None: not asked, or the
    broker could not be reached). The kernel's task runs record no host name."""
    if timeout <= 0 or runtime.celery is None:
        return None
    try:
        replies = runtime.celery.control.ping(timeout=timeout) or []
    except Exception:
        log.warning("monitoring_worker_ping_failed", exc_info=True)
        return None
    return sorted({name for reply in replies for name in reply})


def request_capture(session: Session) -> CaptureAccepted:
    """Send the capture task once the transaction commits; its Celery task id."""
    runtime = runtime_of(session)
    task_id = str(uuid.uuid4())
    after_commit(session, lambda: runtime.send_task(CAPTURE_TASK, task_id=task_id))
    return CaptureAccepted(
        task_id=task_id, url=f"/api/v1/admin/monitoring/task-runs?task_id={task_id}"
    )


def latest(session: Session) -> CapacitySnapshot:
    row = SnapshotRepository(session).latest()
    if row is None:
        raise SnapshotNotFound("no snapshot has been taken yet")
    return row


def latest_or_none(session: Session) -> CapacitySnapshot | None:
    return SnapshotRepository(session).latest()


def get_snapshot(session: Session, snapshot_id: uuid.UUID) -> CapacitySnapshot:
    return SnapshotRepository(session).get(snapshot_id)


def snapshots_listing(session: Session, *, page: Page) -> SnapshotsPublic:
    repository = SnapshotRepository(session)
    return repository.listing(SnapshotsPublic, None, page, CapacitySnapshot.taken_at.desc())


def history_chart(session: Session, *, limit: int = 96) -> dict[str, Any]:
    """The last snapshots, oldest first, as Chart.js data (labels and datasets)."""
    rows = SnapshotRepository(session).history(limit)
    labels = [row.taken_at.strftime("%Y-%m-%d %H:%M") for row in rows]

    def series(label: str, values: list[Any]) -> dict[str, Any]:
        return {"label": label, "data": values}

    return {
        "counts": {
            "labels": labels,
            "datasets": [
                series(field, [getattr(row, field) or 0 for row in rows])
                for field in ("tenants", "stores", "products", "orders", "users")
            ],
        },
        "health": {
            "labels": labels,
            "datasets": [
                series(
                    "database MB", [round((row.database_bytes or 0) / 1048576, 2) for row in rows]
                ),
                series("failure rate %", [row.failure_rate_bp / 100 for row in rows]),
            ],
        },
    }
