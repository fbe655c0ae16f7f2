"""monitoring DTOs: snapshots, thresholds, notifications and the kernel's task runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orion.kernel.data.paging import Listing

Metric = Literal["failure_rate_percent", "queue_depth", "database_mb", "outbox_stalled_minutes"]
NotificationState = Literal["open", "acknowledged"]
NotificationKind = Literal["task_failed", "threshold", "outbox_stalled", "webhook_failed"]
RunState = Literal["started", "succeeded", "failed", "retrying", "skipped", "lost"]


class TableSize(BaseModel):
    name: str
    bytes: int | None = None
    rows: int | None = None


class SnapshotPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    taken_at: datetime
    platforms: int | None
    tenants: int | None
    stores: int | None
    products: int | None
    orders: int | None
    users: int | None
    database_bytes: int | None
    largest_tables: list[TableSize]
    broker: str
    queue_depths: dict[str, int | None]
    workers: list[str] | None
    runs_finished: int
    runs_failed: int
    failure_rate_bp: int = Field(description="Failed or lost runs, basis points of those finished")
    runs_by_task: dict[str, dict[str, int]]
    outbox_pending: int
    outbox_stalled: int
    webhooks_failed: int = Field(description="Webhooks received in the window that failed")
    by_platform: dict[str, dict[str, Any]] = Field(
        description="Per platform id: tenants, runs_finished, runs_failed, failure_rate_bp, "
        "outbox_stalled, outbox_oldest_at"
    )
    duration_ms: int


SnapshotsPublic = Listing[SnapshotPublic]


class CaptureAccepted(BaseModel):
    task_id: str = Field(description="The Celery task id: its run is `GET task-runs?task_id=`")
    url: str


class ThresholdPublic(BaseModel):
    metric: Metric
    value: int = Field(description="The value in force")
    default: int = Field(
        description="What applies without this override: the deployment's setting, or for "
        "a platform the deployment-wide value"
    )
    overridden: bool
    platform_id: uuid.UUID | None = None
    updated_at: datetime | None = None


class PlatformThresholdsPublic(BaseModel):
    """A platform's thresholds (those measured per platform)."""

    platform_id: uuid.UUID
    code: str
    name: str
    thresholds: list[ThresholdPublic]


class ThresholdUpdate(BaseModel):
    value: int = Field(ge=0, le=10**15)


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: NotificationKind
    key: str
    platform_id: uuid.UUID | None = None
    severity: str
    title: str
    detail: str | None
    state: NotificationState
    occurrences: int
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_by: uuid.UUID | None
    acknowledged_at: datetime | None


NotificationsPublic = Listing[NotificationPublic]


class PurgeResult(BaseModel):
    snapshots: int = Field(description="Snapshots deleted")
    notifications: int = Field(description="Acknowledged notifications deleted")


class NotificationAck(BaseModel):
    """A form without fields (the console's acknowledge button)."""


class TaskRunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task_id: str
    name: str
    queue: str | None
    module: str | None
    tenant_id: uuid.UUID | None
    state: str
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    error: str | None


TaskRunsPublic = Listing[TaskRunPublic]


class TaskRunFilter(BaseModel):
    state: RunState | None = None
    name: str | None = Field(default=None, max_length=128)
    queue: str | None = Field(default=None, max_length=64)
    module: str | None = Field(default=None, max_length=64)
    tenant_id: uuid.UUID | None = None
    task_id: str | None = Field(default=None, max_length=64)
    since: datetime | None = None


class Retryability(BaseModel):
    retryable: bool
    reason: str | None = None
    kwargs: dict[str, Any] = Field(default_factory=dict)


class RetryAccepted(BaseModel):
    run_id: uuid.UUID = Field(description="The failed run retried")
    task_id: str = Field(description="The new Celery task id")
    name: str
    url: str
