"""dev_tools models: architecture scans with their violations, the per-platform rule
switches, test collections, test runs and their per-test results.

Every table is platform-level (no tenant owns a scan or a test run): rows carry the
`platform_id` they were made for. After changing a model:
`orion db revision --module dev_tools -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, Timestamps, UUIDPrimaryKey

SCAN_STATES = ("pending", "running", "succeeded", "failed", "refused")
RUN_STATES = ("pending", "running", "passed", "failed", "error", "timed_out", "refused")
OUTCOMES = ("passed", "failed", "skipped", "error")
VIOLATION_STATUSES = ("new", "unchanged")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ArchitectureRule(UUIDPrimaryKey, Timestamps, Base):
    """A rule switched on or off for one platform (no row: the rule is on)."""

    __tablename__ = "dev_tools_rule"
    __table_args__ = (UniqueConstraint("platform_id", "code"),)

    platform_id: Mapped[uuid.UUID] = mapped_column()
    code: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)


class ArchitectureScan(UUIDPrimaryKey, Timestamps, Base):
    """One scan: what it covered, which rules ran, and how it compares with the previous
    scan of the same target on the same platform."""

    __tablename__ = "dev_tools_scan"
    __table_args__ = (
        CheckConstraint(_one_of("state", SCAN_STATES), name="state"),
        Index("ix_dev_tools_scan_platform_id_created_at", "platform_id", "created_at"),
    )

    platform_id: Mapped[uuid.UUID] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="pending")
    target: Mapped[str | None] = mapped_column(String(1000))  # None: the whole project
    rules: Mapped[list[Any]] = mapped_column(default=list)
    requested_by: Mapped[uuid.UUID | None] = mapped_column()
    commit: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column()
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    files_scanned: Mapped[int] = mapped_column(default=0)
    violation_count: Mapped[int] = mapped_column(default=0)
    new_count: Mapped[int] = mapped_column(default=0)
    fixed_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    previous_scan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dev_tools_scan.id", ondelete="SET NULL")
    )
    error: Mapped[str | None] = mapped_column(Text)


class ArchitectureViolation(UUIDPrimaryKey, Base):
    """One finding of a scan: where (file, line), which rule, and what is wrong."""

    __tablename__ = "dev_tools_violation"
    __table_args__ = (
        CheckConstraint(_one_of("status", VIOLATION_STATUSES), name="status"),
        Index("ix_dev_tools_violation_scan_id_rule", "scan_id", "rule"),
    )

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dev_tools_scan.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    module: Mapped[str | None] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(String(1000))
    line: Mapped[int] = mapped_column()
    message: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="new")


class TestCollection(UUIDPrimaryKey, Timestamps, Base):
    """A named selection of tests: a path, optionally narrowed by a marker or a keyword."""

    __test__ = False  # not a pytest test class
    __tablename__ = "dev_tools_test_collection"
    __table_args__ = (UniqueConstraint("platform_id", "name"),)

    platform_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(1000), default="tests")
    marker: Mapped[str | None] = mapped_column(String(200))
    keyword: Mapped[str | None] = mapped_column(String(200))
    time_limit_seconds: Mapped[int | None] = mapped_column()
    description: Mapped[str | None] = mapped_column(String(500))


class TestRun(UUIDPrimaryKey, Timestamps, Base):
    """One pytest run: what it ran, on which commit, its progress and its totals."""

    __test__ = False
    __tablename__ = "dev_tools_test_run"
    __table_args__ = (
        CheckConstraint(_one_of("state", RUN_STATES), name="state"),
        Index("ix_dev_tools_test_run_platform_id_created_at", "platform_id", "created_at"),
    )

    platform_id: Mapped[uuid.UUID] = mapped_column()
    collection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dev_tools_test_collection.id", ondelete="SET NULL"), index=True
    )
    path: Mapped[str] = mapped_column(String(1000))
    marker: Mapped[str | None] = mapped_column(String(200))
    keyword: Mapped[str | None] = mapped_column(String(200))
    time_limit_seconds: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[uuid.UUID | None] = mapped_column()
    commit: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column()
    total: Mapped[int | None] = mapped_column()
    done: Mapped[int] = mapped_column(default=0)
    passed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    exit_code: Mapped[int | None] = mapped_column()
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class TestResult(UUIDPrimaryKey, Base):
    """One test of a run: its outcome, duration, failure message and captured output."""

    __test__ = False
    __tablename__ = "dev_tools_test_result"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
        Index("ix_dev_tools_test_result_run_id_outcome", "run_id", "outcome"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("dev_tools_test_run.id", ondelete="CASCADE")
    )
    node_id: Mapped[str] = mapped_column(String(1000), index=True)
    classname: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(500))
    file: Mapped[str | None] = mapped_column(String(1000))
    outcome: Mapped[str] = mapped_column(String(16))
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
