"""auth: users, passwords, sign-in (JWT access + rotating refresh tokens), password reset,
API access tokens, and the `authenticator` that turns a request into a Principal."""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)
from orion.modules.auth.settings import AuthSettings

definition = ModuleDefinition(
    code="auth",
    name="Authentication",
    version="1.0.0",
    tier=Tier.CORE,
    description="Users, passwords, access and refresh tokens, password reset, API access tokens",
    requires=("core",),
    models="orion.modules.auth.models",
    settings=AuthSettings,
    routers={
        "public": "orion.modules.auth.routes:public",
        "user": "orion.modules.auth.routes:user",
        "admin": "orion.modules.auth.routes:admin",
        "console": "orion.modules.auth.console:pages",
        "console_public": "orion.modules.auth.console:public",
        "console_admin": "orion.modules.auth.console:admin_pages",
    },
    menu=(
        MenuItem(
            section="tenant",
            label="API tokens",
            path="/console/auth/tokens",
            permission="auth.tokens.manage",
            order=60,
        ),
        MenuItem(section="platform", label="Users", path="/console/platform/auth/users", order=20),
    ),
    permissions=(
        Permission(
            "auth.tokens.manage",
            "Create, list and revoke one's own API access tokens",
            roles=("tenant_admin", "staff", "user"),
        ),
    ),
    provides={"authenticator": "orion.modules.auth.authentication:authenticate"},
    commands={"users": "orion.modules.auth.cli:app"},
    tasks_path="orion.modules.auth.tasks",
    scheduled_tasks=(ScheduledTask("auth.purge_expired", cron="23 3 * * *", queue="scheduled"),),
)

__all__ = ["AuthSettings", "definition"]
