"""monitoring models, all platform-level (deployment-wide; no tenant owns them):
capacity snapshots, threshold overrides and admin notifications.

After changing a model: `orion db revision --module monitoring -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, Timestamps, UUIDPrimaryKey, utcnow

METRICS = ("failure_rate_percent", "queue_depth", "database_mb", "outbox_stalled_minutes")
NOTIFICATION_KINDS = ("task_failed", "threshold", "outbox_stalled")
NOTIFICATION_STATES = ("open", "acknowledged")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CapacitySnapshot(UUIDPrimaryKey, Base):
    """The platform's figures at one moment. A count is None when its module (table) is
    not installed; queue depths are None where the broker cannot tell (embedded)."""

    __tablename__ = "monitoring_snapshot"
    __table_args__ = (Index("ix_monitoring_snapshot_taken_at", "taken_at"),)

    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    platforms: Mapped[int | None] = mapped_column()
    tenants: Mapped[int | None] = mapped_column()
    stores: Mapped[int | None] = mapped_column()
    products: Mapped[int | None] = mapped_column()
    orders: Mapped[int | None] = mapped_column()
    users: Mapped[int | None] = mapped_column()
    database_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # [{"name", "bytes" (None when the backend cannot tell), "rows"}], largest first
    largest_tables: Mapped[list[Any]] = mapped_column(default=list)
    broker: Mapped[str] = mapped_column(String(16))  # redis, embedded, other
    queue_depths: Mapped[dict[str, Any]] = mapped_column(default=dict)  # queue -> int | None
    workers: Mapped[list[Any] | None] = mapped_column()  # names answering a ping; None: not asked
    runs_finished: Mapped[int] = mapped_column(default=0)
    runs_failed: Mapped[int] = mapped_column(default=0)
    failure_rate_bp: Mapped[int] = mapped_column(default=0)  # basis points of runs_finished
    # {task name: {"finished", "failed"}} over the window
    runs_by_task: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outbox_pending: Mapped[int] = mapped_column(default=0)
    outbox_stalled: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int] = mapped_column(default=0)


class Threshold(UUIDPrimaryKey, Timestamps, Base):
    """An operator's value for one threshold (no row: the deployment's setting)."""

    __tablename__ = "monitoring_threshold"
    __table_args__ = (CheckConstraint(_one_of("metric", METRICS), name="metric"),)

    metric: Mapped[str] = mapped_column(String(32), unique=True)
    value: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[uuid.UUID | None] = mapped_column()


class Notification(UUIDPrimaryKey, Timestamps, Base):
    """Something an operator should look at. While open, one row per `key` (`open_key`
    is unique and NULL once acknowledged): a repeat bumps `occurrences`."""

    __tablename__ = "monitoring_notification"
    __table_args__ = (
        CheckConstraint(_one_of("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint(_one_of("state", NOTIFICATION_STATES), name="state"),
        Index("ix_monitoring_notification_state_last_seen_at", "state", "last_seen_at"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200), index=True)
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")
    occurrences: Mapped[int] = mapped_column(default=1)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
