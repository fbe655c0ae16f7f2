"""The kernel's own tables (branch `kernel` in the migrations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, JSONType, Timestamps, UUIDPrimaryKey, utcnow

# Platform-level activation rows carry this tenant id, so one unique constraint covers both
# scopes on every backend (NULLs are distinct in unique constraints).
PLATFORM_SCOPE = uuid.UUID(int=0)


class ModuleState(UUIDPrimaryKey, Timestamps, Base):
    """Whether a module is on for a platform, or overridden for one of its tenants."""

    __tablename__ = "kernel_module_state"
    __table_args__ = (UniqueConstraint("module_code", "platform_id", "tenant_id"),)

    module_code: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[uuid.UUID]
    tenant_id: Mapped[uuid.UUID] = mapped_column(default=PLATFORM_SCOPE)
    enabled: Mapped[bool]


class OutboxEvent(UUIDPrimaryKey, Base):
    """An event published in a committed transaction, waiting for its after-commit handlers."""

    __tablename__ = "kernel_outbox"
    __table_args__ = (Index("ix_kernel_outbox_pending", "delivered_at", "next_attempt_at"),)

    name: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]]
    tenant_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    # When the sweep may try again after a failed attempt (exponential backoff).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class EventDelivery(Base):
    """One handler's successful run for one event: the idempotency record."""

    __tablename__ = "kernel_event_delivery"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    handler: Mapped[str] = mapped_column(String(255), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskRun(UUIDPrimaryKey, Base):
    """One execution attempt of a Celery task, for monitoring."""

    __tablename__ = "kernel_task_run"
    __table_args__ = (Index("ix_kernel_task_run_started", "started_at"),)

    task_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    module: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[uuid.UUID | None]
    # started, succeeded, failed, retrying, skipped, lost (never ended: see kernel.jobs)
    state: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    # The keyword arguments it was sent with (besides tenant_id), so a failed run can be
    # sent again as it was; None when they were too large to keep (ARGUMENTS_LIMIT).
    arguments: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class ScheduleClaim(Base):
    """A Beat slot claimed by one scheduler: the same slot is never sent twice."""

    __tablename__ = "kernel_schedule_claim"

    entry: Mapped[str] = mapped_column(String(128), primary_key=True)
    slot: Mapped[datetime] = mapped_column(primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(128))
