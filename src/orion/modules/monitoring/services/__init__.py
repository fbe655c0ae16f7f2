"""monitoring services: capacity snapshots (`snapshots`), thresholds and notifications
(`alerts`, with the purge of old ones), the kernel's task runs with their retry (`runs`),
and the demo's first snapshot (`demo`).

Everything is platform-level: functions take the session first and flush, never commit.
"""

from orion.modules.monitoring.services.alerts import (
    acknowledge,
    evaluate,
    get_notification,
    list_thresholds,
    notifications_listing,
    open_count,
    platform_names,
    platform_overrides,
    purge,
    raise_notification,
    set_threshold,
    threshold_value,
)
from orion.modules.monitoring.services.common import settings_of
from orion.modules.monitoring.services.demo import seed_demo
from orion.modules.monitoring.services.runs import (
    get_run,
    retry,
    retry_check,
    retryability,
    runs_listing,
    task_names,
)
from orion.modules.monitoring.services.snapshots import (
    CAPTURE_TASK,
    capture,
    get_snapshot,
    history_chart,
    latest,
    latest_or_none,
    platform_figures,
    queue_depths,
    request_capture,
    snapshots_listing,
    workers_seen,
)

__all__ = [
    "CAPTURE_TASK",
    "acknowledge",
    "capture",
    "evaluate",
    "get_notification",
    "get_run",
    "get_snapshot",
    "history_chart",
    "latest",
    "latest_or_none",
    "list_thresholds",
    "notifications_listing",
    "open_count",
    "platform_figures",
    "platform_names",
    "platform_overrides",
    "purge",
    "queue_depths",
    "raise_notification",
    "request_capture",
    "retry",
    "retry_check",
    "retryability",
    "runs_listing",
    "seed_demo",
    "set_threshold",
    "settings_of",
    "snapshots_listing",
    "task_names",
    "threshold_value",
    "workers_seen",
]
