"""dev_tools DTOs: rules, scans and their violations, test collections, runs and results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null

# A marker or keyword expression: pytest's own syntax, never an option of its own.
_EXPRESSION = r"^[A-Za-z0-9_][A-Za-z0-9_ .()\[\]=:,'\"-]*$"

ScanState = Literal["pending", "running", "succeeded", "failed", "refused"]
RunState = Literal["pending", "running", "passed", "failed", "error", "timed_out", "refused"]
Outcome = Literal["passed", "failed", "skipped", "error"]


class RulePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    title: str
    description: str
    severity: str
    enabled: bool


class RuleSwitch(BaseModel):
    enabled: bool


class ScanCreate(BaseModel):
    path: str | None = Field(
        default=None,
        max_length=1000,
        description="A folder or file inside the project or an installed module (relative "
        "paths from the project root); the whole project when omitted",
    )
    rules: list[str] | None = Field(
        default=None, description="Rule codes to run; the platform's enabled rules if omitted"
    )


class ScanPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform_id: uuid.UUID
    state: ScanState
    target: str | None
    rules: list[str]
    commit: str | None
    requested_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    progress_done: int
    progress_total: int
    files_scanned: int
    violation_count: int
    new_count: int
    fixed_count: int
    unchanged_count: int
    previous_scan_id: uuid.UUID | None
    error: str | None


ScansPublic = Listing[ScanPublic]


class ScanAccepted(BaseModel):
    id: uuid.UUID
    state: ScanState
    url: str


class ViolationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    scan_id: uuid.UUID
    rule: str
    severity: str
    module: str | None
    file: str
    line: int
    message: str
    fingerprint: str
    status: Literal["new", "unchanged"]


ViolationsPublic = Listing[ViolationPublic]


class ScanComparison(BaseModel):
    scan_id: uuid.UUID
    previous_scan_id: uuid.UUID | None
    new: list[ViolationPublic]
    fixed: list[ViolationPublic]
    unchanged: list[ViolationPublic]


class ScanTrendPoint(BaseModel):
    scan_id: uuid.UUID
    created_at: datetime
    target: str | None
    violation_count: int
    new_count: int
    fixed_count: int
    by_rule: dict[str, int]


class TestCollectionCreate(BaseModel):
    __test__ = False
    name: str = Field(min_length=1, max_length=100)
    path: str = Field(default="tests", min_length=1, max_length=1000)
    marker: str | None = Field(default=None, max_length=200, pattern=_EXPRESSION)
    keyword: str | None = Field(default=None, max_length=200, pattern=_EXPRESSION)
    time_limit_seconds: int | None = Field(default=None, ge=1, le=86_400)
    description: str | None = Field(default=None, max_length=500)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class TestCollectionUpdate(BaseModel):
    __test__ = False
    name: str | None = Field(default=None, min_length=1, max_length=100)
    path: str | None = Field(default=None, min_length=1, max_length=1000)
    marker: str | None = Field(default=None, max_length=200, pattern=_EXPRESSION)
    keyword: str | None = Field(default=None, max_length=200, pattern=_EXPRESSION)
    time_limit_seconds: int | None = Field(default=None, ge=1, le=86_400)
    description: str | None = Field(default=None, max_length=500)

    _required = not_null("name", "path")  # may be left out, never null: a collection has both


class TestCollectionPublic(BaseModel):
    __test__ = False
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform_id: uuid.UUID
    name: str
    path: str
    marker: str | None
    keyword: str | None
    time_limit_seconds: int | None
    description: str | None
    created_at: datetime


TestCollectionsPublic = Listing[TestCollectionPublic]


class TestRunCreate(BaseModel):
    """A collection by id, or a path (with a marker or keyword) given here."""

    __test__ = False
    collection_id: uuid.UUID | None = None
    path: str | None = Field(default=None, min_length=1, max_length=1000)
    marker: str | None = Field(default=None, max_length=200, pattern=_EXPRESSION)
    keyword: str | None = Field(default=None, max_length=200, pattern=_EXPRESSION)
    time_limit_seconds: int | None = Field(default=None, ge=1, le=86_400)


class TestRunPublic(BaseModel):
    __test__ = False
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform_id: uuid.UUID
    collection_id: uuid.UUID | None
    path: str
    marker: str | None
    keyword: str | None
    time_limit_seconds: int
    state: RunState
    commit: str | None
    requested_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    total: int | None
    done: int
    passed: int
    failed: int
    skipped: int
    errors: int
    exit_code: int | None
    error: str | None


TestRunsPublic = Listing[TestRunPublic]


class TestRunAccepted(BaseModel):
    __test__ = False
    id: uuid.UUID
    state: RunState
    url: str


class TestRunOutput(BaseModel):
    __test__ = False
    id: uuid.UUID
    output: str | None


class TestResultPublic(BaseModel):
    __test__ = False
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    run_id: uuid.UUID
    node_id: str
    classname: str
    name: str
    file: str | None
    outcome: Outcome
    duration_seconds: float
    message: str | None
    output: str | None


TestResultsPublic = Listing[TestResultPublic]


class SlowTest(BaseModel):
    node_id: str
    duration_seconds: float
    outcome: Outcome
    run_id: uuid.UUID
    runs: int  # how many of the recent runs ran it
    average_seconds: float


class FlakyTest(BaseModel):
    node_id: str
    commit: str
    failed_run_id: uuid.UUID
    passed_run_id: uuid.UUID
    seen_at: datetime
