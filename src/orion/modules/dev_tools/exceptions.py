"""dev_tools errors."""

from __future__ import annotations

from orion.kernel.errors import Conflict, NotFound, OrionError, ValidationFailed


class DevToolsError(OrionError):
    code = "dev_tools_error"


class DevToolsDisabled(DevToolsError, NotFound):
    """The deployment switched dev_tools off: its routes do not exist."""

    code = "not_found"


class ScanNotFound(DevToolsError, NotFound):
    code = "scan_not_found"


class TestRunNotFound(DevToolsError, NotFound):
    __test__ = False
    code = "test_run_not_found"


class TestCollectionNotFound(DevToolsError, NotFound):
    __test__ = False
    code = "test_collection_not_found"


class UnknownRule(DevToolsError, ValidationFailed):
    code = "unknown_rule"


class PathRefused(DevToolsError, ValidationFailed):
    """A scan or test path outside the project and the installed modules."""

    code = "path_refused"


class CollectionNameTaken(DevToolsError, Conflict):
    code = "test_collection_name_taken"
