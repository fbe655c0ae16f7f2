"""dev_tools queries: one repository per model (platform-level rows, no tenant filter)."""

from __future__ import annotations

from orion.kernel.data.repository import RepositoryBase
from orion.modules.dev_tools.exceptions import (
    ScanNotFound,
    TestCollectionNotFound,
    TestRunNotFound,
)
from orion.modules.dev_tools.models import (
    ArchitectureRule,
    ArchitectureScan,
    ArchitectureViolation,
    TestCollection,
    TestResult,
    TestRun,
)


class RuleRepository(RepositoryBase[ArchitectureRule]):
    model = ArchitectureRule
    label = "rule"


class ScanRepository(RepositoryBase[ArchitectureScan]):
    model = ArchitectureScan
    not_found = ScanNotFound
    label = "scan"


class ViolationRepository(RepositoryBase[ArchitectureViolation]):
    model = ArchitectureViolation
    label = "violation"


class TestCollectionRepository(RepositoryBase[TestCollection]):
    __test__ = False
    model = TestCollection
    not_found = TestCollectionNotFound
    label = "test collection"


class TestRunRepository(RepositoryBase[TestRun]):
    __test__ = False
    model = TestRun
    not_found = TestRunNotFound
    label = "test run"


class TestResultRepository(RepositoryBase[TestResult]):
    __test__ = False
    model = TestResult
    label = "test result"
