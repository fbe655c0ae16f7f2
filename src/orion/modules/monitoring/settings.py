"""Deployment-wide settings of monitoring (`ORION_MODULES__MONITORING__<KEY>`): the
thresholds' defaults (an operator overrides them at run time: `monitoring_threshold`), and
how long snapshots and acknowledged notifications are kept."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MonitoringSettings(BaseModel):
    # Failed (or lost) share of the task runs finished in the window, in percent.
    failure_rate_percent: int = Field(default=10, ge=0, le=100)
    # Fewer finished runs than this in the window: no failure-rate notification (noise).
    failure_rate_min_runs: int = Field(default=10, ge=1)
    failure_window_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    # Messages waiting in any one queue (Redis broker only).
    queue_depth: int = Field(default=1000, ge=0)
    # The whole database, in megabytes.
    database_mb: int = Field(default=10_240, ge=0)
    # An undelivered outbox event older than this means the outbox stopped draining.
    outbox_stalled_minutes: int = Field(default=15, ge=1)
    # How many of the largest tables a snapshot keeps.
    largest_tables: int = Field(default=10, ge=1, le=100)
    # Snapshots older than this many days go with `monitoring.purge_snapshots` (daily).
    snapshot_retention_days: int = Field(default=90, ge=1, le=3650)
    # Acknowledged notifications older than this many days go with the same task.
    acknowledged_retention_days: int = Field(default=180, ge=1, le=3650)
    # Ask the workers for a ping (seconds to wait); 0: do not ask.
    ping_timeout_seconds: float = Field(default=1.0, ge=0, le=10)
