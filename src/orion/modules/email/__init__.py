from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)
from orion.modules.email.settings import EmailSettings

definition = ModuleDefinition(
    code="email",
    name="Email",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Per-tenant SMTP configuration, templated messages, reliable sending",
    requires=("core", "auth", "tenancy"),
    models="orion.modules.email.models",
    routers={
        "api": "orion.modules.email.routes:api",
        "admin": "orion.modules.email.routes:admin",
        "console": "orion.modules.email.console:pages",
        "console_admin": "orion.modules.email.console:admin_pages",
    },
    menu=(
        MenuItem(
            section="tenant",
            label="Email",
            path="/console/email/",
            permission="email.manage",
            order=50,
        ),
        MenuItem(
            section="platform", label="Outbox", path="/console/platform/email/outbox", order=50
        ),
    ),
    permissions=(
        Permission("email.manage", "Configure the tenant's SMTP server and send test mail"),
        Permission(
            "email.read", "See the tenant's sent mail and its state", roles=("tenant_admin",)
        ),
    ),
    # Deployment-wide: ORION_MODULES__EMAIL__SMTP_HOST=... (the default SMTP server).
    settings=EmailSettings,
    tasks_path="orion.modules.email.tasks",
    scheduled_tasks=(ScheduledTask("email.requeue_stale", cron="*/10 * * * *"),),
    handlers={
        "tenancy.invitation_created": "orion.modules.email.services:on_invitation_created",
        "tenancy.tenant_deleted": "orion.modules.email.services:on_tenant_deleted",
        "auth.password_reset_requested": (
            "orion.modules.email.services:on_password_reset_requested"
        ),
        "credits.balance_low": "orion.modules.email.services:on_credits_low",
        "credits.depleted": "orion.modules.email.services:on_credits_low",
    },
    provides={
        "secret_rotation": "orion.modules.email.services:rotate_secrets",
        "mail_delivery": "orion.modules.email.services.local_outbox:mail_route",
    },
)
