"""auth: users, passwords, sign-in (JWT access + rotating refresh tokens), password reset,
API access tokens, and the `authenticator` that turns a request into a Principal."""

from orion.kernel.modules import ModuleDefinition, Permission, ScheduledTask, Tier
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
        "api": "orion.modules.auth.routes:api",
        "admin": "orion.modules.auth.routes:admin",
    },
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
