from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)

definition = ModuleDefinition(
    code="core",
    name="Core",
    version="1.0.0",
    tier=Tier.CORE,
    description="Platform settings, module administration, health history",
    models="orion.modules.core.models",
    routers={
        "api": "orion.modules.core.routes:api",
        "user": "orion.modules.core.routes:user",
        "admin": "orion.modules.core.routes:admin",
        "console_admin": "orion.modules.core.console:admin_pages",
    },
    permissions=(
        Permission(
            "core.view",
            "See the console home and the modules enabled for the tenant",
            roles=("tenant_admin", "staff", "user"),
        ),
        Permission("core.settings.manage", "Change platform settings"),
        Permission("core.modules.manage", "Enable and disable modules"),
    ),
    menu=(
        MenuItem(
            section="tenant", label="Dashboard", path="/console/", permission="core.view", order=0
        ),
        MenuItem(
            section="platform",
            label="Platform settings",
            path="/console/platform/core/settings",
            permission="core.settings.manage",
            order=90,
        ),
        MenuItem(
            section="platform",
            label="Modules",
            path="/console/platform/core/modules",
            permission="core.modules.manage",
            order=91,
        ),
    ),
    tasks_path="orion.modules.core.tasks",
    scheduled_tasks=(ScheduledTask("core.snapshot_health", cron="*/5 * * * *", queue="scheduled"),),
    health_checks=("orion.modules.core.service:migrations_applied",),
    on_install="orion.modules.core.service:seed_demo",
)
