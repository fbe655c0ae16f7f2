"""monitoring: the platform's capacity and health for its operators (internal tier).

A scheduled task (`monitoring.capture_capacity_snapshot`, queue `scheduled`, every 15
minutes) stores a snapshot: counts of platforms, tenants, stores, products, orders and
users, the database's size and largest tables, queue depths, workers seen, and task
failure rates from the kernel's task runs. Thresholds crossed (deployment-wide, or a
platform's own), failed task runs and webhooks, and an outbox that stopped draining open
admin notifications, deduplicated while open and acknowledged by an operator. Old
snapshots are purged daily. The figures are also Prometheus gauges on `/metrics`.
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, ScheduledTask, Tier
from orion.modules.monitoring.settings import MonitoringSettings

definition = ModuleDefinition(
    code="monitoring",
    name="Monitoring",
    version="1.0.0",
    tier=Tier.INTERNAL,
    description="Capacity snapshots, thresholds, admin notifications and task runs",
    # Platform names, and which platform each tenant belongs to (per-platform thresholds).
    requires=("tenancy",),
    models="orion.modules.monitoring.models",
    routers={
        "admin": "orion.modules.monitoring.routes:admin",
        "console_admin": "orion.modules.monitoring.console:pages",
    },
    menu=(
        MenuItem(
            section="platform", label="Monitoring", path="/console/platform/monitoring/", order=80
        ),
        MenuItem(
            section="platform",
            label="Notifications",
            path="/console/platform/monitoring/notifications",
            order=81,
        ),
        MenuItem(
            section="platform",
            label="Task runs",
            path="/console/platform/monitoring/task-runs",
            order=82,
        ),
    ),
    settings=MonitoringSettings,
    tasks_path="orion.modules.monitoring.tasks",
    task_queue="scheduled",
    scheduled_tasks=(
        ScheduledTask("monitoring.capture_capacity_snapshot", cron="*/15 * * * *"),
        ScheduledTask("monitoring.purge_snapshots", cron="40 3 * * *"),
    ),
    on_install="orion.modules.monitoring.services:seed_demo",
    on_startup="orion.modules.monitoring.metrics:on_startup",
    on_shutdown="orion.modules.monitoring.metrics:on_shutdown",
)
