"""dev_tools services: architecture scans (`scans`) and test runs (`test_runs`).

Every function takes the session first, then the platform it acts on; they flush and
never commit. The task bodies (`execute_scan`, `execute_test_run`) write their progress in
short transactions of their own, so it is seen while they run.
"""

from orion.modules.dev_tools.services.common import (
    default_platform,
    ensure_enabled,
    is_enabled,
    settings_of,
)
from orion.modules.dev_tools.services.scans import (
    comparison,
    enabled_rules,
    execute_scan,
    get_scan,
    list_rules,
    request_scan,
    scans_listing,
    set_rule,
    trend,
    violations_listing,
)
from orion.modules.dev_tools.services.test_runs import (
    collections_listing,
    create_collection,
    delete_collection,
    execute_test_run,
    flaky_tests,
    get_collection,
    get_run,
    request_test_run,
    results_listing,
    runs_listing,
    slowest_tests,
    update_collection,
)

__all__ = [
    "collections_listing",
    "comparison",
    "create_collection",
    "default_platform",
    "delete_collection",
    "enabled_rules",
    "ensure_enabled",
    "execute_scan",
    "execute_test_run",
    "flaky_tests",
    "get_collection",
    "get_run",
    "get_scan",
    "is_enabled",
    "list_rules",
    "request_scan",
    "request_test_run",
    "results_listing",
    "runs_listing",
    "scans_listing",
    "set_rule",
    "settings_of",
    "slowest_tests",
    "trend",
    "update_collection",
    "violations_listing",
]
