"""Events dev_tools publishes: its public contract with the other modules (monitoring
may notify operators of a scan that found new violations, or of a failed test run)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from orion.kernel.runtime.events import Event


class ScanFinished(Event):
    """An architecture scan ended (its state `succeeded` or `failed`)."""

    name: ClassVar[str] = "dev_tools.scan_finished"

    scan_id: uuid.UUID
    platform_id: uuid.UUID
    state: str
    violation_count: int
    new_count: int
    fixed_count: int


class TestRunFinished(Event):
    """A test run ended: passed, failed, error or timed_out."""

    __test__ = False
    name: ClassVar[str] = "dev_tools.test_run_finished"

    run_id: uuid.UUID
    platform_id: uuid.UUID
    state: str
    commit: str | None
    passed: int
    failed: int
    skipped: int
    errors: int
