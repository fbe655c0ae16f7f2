"""monitoring errors."""

from __future__ import annotations

from orion.kernel.errors import Conflict, NotFound, OrionError, ValidationFailed


class MonitoringError(OrionError):
    code = "monitoring_error"


class SnapshotNotFound(MonitoringError, NotFound):
    code = "snapshot_not_found"


class NotificationNotFound(MonitoringError, NotFound):
    code = "notification_not_found"


class TaskRunNotFound(MonitoringError, NotFound):
    code = "task_run_not_found"


class RetryNotPossible(MonitoringError, Conflict):
    """A run that is not failed, or whose task's arguments the kernel did not record."""

    code = "retry_not_possible"


class ThresholdRefused(MonitoringError, ValidationFailed):
    """A per-platform value for a threshold measured only deployment-wide."""

    code = "threshold_refused"
