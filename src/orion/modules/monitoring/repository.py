"""monitoring queries: one repository per model (platform-level rows, no tenant filter),
and the read-only queries over the kernel's task runs and outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from orion.kernel.data.db import Base
from orion.kernel.data.repository import RepositoryBase
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.runtime.models import OutboxEvent, TaskRun
from orion.modules.monitoring.exceptions import (
    NotificationNotFound,
    SnapshotNotFound,
    TaskRunNotFound,
)
from orion.modules.monitoring.models import CapacitySnapshot, Notification, Threshold

FAILED_STATES = ("failed", "lost")
FINISHED_STATES = ("succeeded", *FAILED_STATES)


class SnapshotRepository(RepositoryBase[CapacitySnapshot]):
    model = CapacitySnapshot
    not_found = SnapshotNotFound
    label = "snapshot"

    def latest(self) -> CapacitySnapshot | None:
        return self.first(self.select().order_by(CapacitySnapshot.taken_at.desc()).limit(1))

    def history(self, limit: int) -> list[CapacitySnapshot]:
        rows = self.list(self.select().order_by(CapacitySnapshot.taken_at.desc()).limit(limit))
        return list(reversed(rows))

    def purge(self, before: datetime) -> int:
        """Delete the snapshots taken before `before` (one statement); how many."""
        result = self.session.execute(
            delete(CapacitySnapshot)
            .where(CapacitySnapshot.taken_at < before)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


class ThresholdRepository(RepositoryBase[Threshold]):
    model = Threshold
    label = "threshold"

    def by_metric(self, metric: str, platform_id: uuid.UUID | None = None) -> Threshold | None:
        platform = (
            Threshold.platform_id.is_(None)
            if platform_id is None
            else Threshold.platform_id == platform_id
        )
        return self.first(self.select().where(Threshold.metric == metric, platform))

    def platform_overrides(self) -> dict[tuple[str, uuid.UUID], int]:
        """(metric, platform id) -> value of every per-platform override."""
        rows = self.session.execute(
            select(Threshold.metric, Threshold.platform_id, Threshold.value).where(
                Threshold.platform_id.is_not(None)
            )
        ).all()
        return {(metric, platform): int(value) for metric, platform, value in rows}


class NotificationRepository(RepositoryBase[Notification]):
    model = Notification
    not_found = NotificationNotFound
    label = "notification"

    def open_with(self, key: str, *, lock: bool = False) -> Notification | None:
        query = self.select().where(Notification.open_key == key)
        if lock:
            query = query.with_for_update()
        return self.first(query)

    def open_by_kind(self) -> dict[str, int]:
        rows = self.session.execute(
            select(Notification.kind, func.count())
            .where(Notification.state == "open")
            .group_by(Notification.kind)
        ).all()
        return {kind: int(count) for kind, count in rows}

    def open_count(self) -> int:
        query = select(func.count()).select_from(Notification).where(Notification.state == "open")
        return self.session.scalar(query) or 0

    def purge_acknowledged(self, before: datetime) -> int:
        result = self.session.execute(
            delete(Notification)
            .where(Notification.state == "acknowledged", Notification.acknowledged_at < before)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


class TaskRunRepository(RepositoryBase[TaskRun]):
    """The kernel's `kernel_task_run`, read (and never written) by monitoring."""

    model = TaskRun
    not_found = TaskRunNotFound
    label = "task run"

    def failure_counts(self, since: datetime) -> dict[str, tuple[int, int]]:
        """task name -> (finished, failed) for runs finished since `since`."""
        failed = func.sum(case((TaskRun.state.in_(FAILED_STATES), 1), else_=0))
        rows = self.session.execute(
            select(TaskRun.name, func.count(), failed)
            .where(TaskRun.state.in_(FINISHED_STATES), TaskRun.finished_at >= since)
            .group_by(TaskRun.name)
        ).all()
        return {name: (int(total), int(bad or 0)) for name, total, bad in rows}

    def tenant_failure_counts(self, since: datetime) -> dict[uuid.UUID, tuple[int, int]]:
        """tenant id -> (finished, failed) for the tenants' runs finished since `since`."""
        failed = func.sum(case((TaskRun.state.in_(FAILED_STATES), 1), else_=0))
        rows = self.session.execute(
            select(TaskRun.tenant_id, func.count(), failed)
            .where(
                TaskRun.state.in_(FINISHED_STATES),
                TaskRun.finished_at >= since,
                TaskRun.tenant_id.is_not(None),
            )
            .group_by(TaskRun.tenant_id)
        ).all()
        return {tenant: (int(total), int(bad or 0)) for tenant, total, bad in rows}

    def failed_since(self, since: datetime) -> list[TaskRun]:
        return self.list(
            self.select()
            .where(TaskRun.state.in_(FAILED_STATES), TaskRun.finished_at >= since)
            .order_by(TaskRun.finished_at)
        )

    def names(self) -> list[str]:
        return list(self.session.scalars(select(TaskRun.name).distinct().order_by(TaskRun.name)))


class OutboxRepository(RepositoryBase[OutboxEvent]):
    """The kernel's `kernel_outbox`, read by monitoring."""

    model = OutboxEvent
    label = "outbox event"

    def undelivered(self, *, older_than: datetime | None = None) -> int:
        query = (
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
        )
        if older_than is not None:
            query = query.where(OutboxEvent.created_at < older_than)
        return self.session.scalar(query) or 0

    def undelivered_by_tenant(self, older_than: datetime) -> dict[uuid.UUID, tuple[int, datetime]]:
        """tenant id -> (undelivered events older than `older_than`, the oldest one's time)."""
        stalled = func.sum(case((OutboxEvent.created_at < older_than, 1), else_=0))
        rows = self.session.execute(
            select(OutboxEvent.tenant_id, stalled, func.min(OutboxEvent.created_at))
            .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.tenant_id.is_not(None))
            .group_by(OutboxEvent.tenant_id)
        ).all()
        return {tenant: (int(count or 0), oldest) for tenant, count, oldest in rows}


# Tables of received webhooks (module: table), each with `state` ('failed' when its
# processing failed), `error` and `received_at`. Read by name through Core like the counts:
# monitoring imports no other module's models, and neither module offers a platform-wide
# failure count through its service.
class StorageRepository:
    """The database's size and its largest tables, on PostgreSQL or SQLite; read-only.
    Row counts go through SQLAlchemy Core over the tables the registry's models declare
    (`Base.metadata`), inside `all_tenants(session)`: monitoring imports no other
    module's models."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def count_rows(self, name: str) -> int | None:
        """How many rows table `name` has in all tenants; None when it is not installed."""
        table = Base.metadata.tables.get(name)
        if table is None:
            return None
        with all_tenants(self.session):
            return self.session.scalar(select(func.count()).select_from(table)) or 0

    def database_bytes(self) -> int | None:
        if self.dialect == "postgresql":
            return self.session.scalar(text("SELECT pg_database_size(current_database())"))
        if self.dialect == "sqlite":
            pages = self.session.execute(text("PRAGMA page_count")).scalar() or 0
            size = self.session.execute(text("PRAGMA page_size")).scalar() or 0
            return int(pages) * int(size)
        return None

    def largest_tables(self, limit: int) -> list[dict[str, Any]]:
        """[{"name", "bytes", "rows"}], largest first."""
        if self.dialect == "postgresql":
            rows = self.session.execute(
                text(
                    "SELECT c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() "
                    "ORDER BY 2 DESC, 1 LIMIT :limit"
                ),
                {"limit": limit},
            ).all()
            # reltuples is the planner's estimate (-1: never analysed): count those exactly.
            return [
                {
                    "name": name,
                    "bytes": int(size),
                    "rows": int(rows) if rows >= 0 else self.count_rows(name),
                }
                for name, size, rows in rows
            ]
        sizes = self._sqlite_dbstat(limit) if self.dialect == "sqlite" else None
        if sizes is not None:
            return [
                {"name": name, "bytes": int(size), "rows": self.count_rows(name)}
                for name, size in sizes
            ]
        counted = [
            {"name": name, "bytes": None, "rows": self.count_rows(name)}
            for name in Base.metadata.tables
        ]
        counted.sort(key=lambda row: (-(row["rows"] or 0), row["name"]))
        return counted[:limit]

    def _sqlite_dbstat(self, limit: int) -> list[tuple[str, int]] | None:
        """Bytes per table (its indexes included) from SQLite's `dbstat`; None when this
        SQLite was built without it."""
        try:
            with self.session.begin_nested():
                return [
                    (name, int(size))
                    for name, size in self.session.execute(
                        text(
                            "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s "
                            "JOIN sqlite_master m ON m.name = s.name "
                            "WHERE m.tbl_name NOT LIKE 'sqlite_%' "
                            "GROUP BY m.tbl_name ORDER BY 2 DESC, 1 LIMIT :limit"
                        ),
                        {"limit": limit},
                    ).all()
                ]
        except OperationalError:
            return None
