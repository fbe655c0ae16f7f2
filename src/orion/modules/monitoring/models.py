"""monitoring models, all platform-level (deployment-wide; no tenant owns them):
capacity snapshots, threshold overrides and admin notifications.

After changing a model: `orion db revision --module monitoring -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, Timestamps, UUIDPrimaryKey, utcnow

METRICS = ("failure_rate_percent", "queue_depth", "database_mb", "outbox_stalled_minutes")
# Measured per platform (its tenants' task runs and outbox events); queues and the database
# are shared by every platform, so their thresholds are deployment-wide only.
PLATFORM_METRICS = ("failure_rate_percent", "outbox_stalled_minutes")
NOTIFICATION_KINDS = ("task_failed", "threshold", "outbox_stalled", "webhook_failed")
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
    # Webhooks received in the window whose processing failed (billing's, payments').
    webhooks_failed: Mapped[int] = mapped_column(default=0)
    # {platform id: {"tenants", "runs_finished", "runs_failed", "failure_rate_bp",
    #  "outbox_stalled", "outbox_oldest_at"}}: the figures a platform's thresholds read.
    by_platform: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duration_ms: Mapped[int] = mapped_column(default=0)


class Threshold(UUIDPrimaryKey, Timestamps, Base):
    """An operator's value for one threshold, deployment-wide (`platform_id` NULL) or for one
    platform's own figures. No row: the deployment's setting (or, for a platform, the
    deployment-wide value)."""

    __tablename__ = "monitoring_threshold"
    __table_args__ = (
        CheckConstraint(_one_of("metric", METRICS), name="metric"),
        # One deployment-wide row per metric, and one per metric and platform.
        Index(
            "uq_monitoring_threshold_deployment",
            "metric",
            unique=True,
            sqlite_where=text("platform_id IS NULL"),
            postgresql_where=text("platform_id IS NULL"),
        ),
        Index(
            "uq_monitoring_threshold_platform",
            "metric",
            "platform_id",
            unique=True,
            sqlite_where=text("platform_id IS NOT NULL"),
            postgresql_where=text("platform_id IS NOT NULL"),
        ),
    )

    metric: Mapped[str] = mapped_column(String(32))
    # A platform's id (no foreign key: monitoring's tables stand alone; a deleted
    # platform's overrides are never read again, and go with `set_threshold(None)`).
    platform_id: Mapped[uuid.UUID | None] = mapped_column()
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
    # The platform whose own threshold was crossed (None: the deployment).
    platform_id: Mapped[uuid.UUID | None] = mapped_column()
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
