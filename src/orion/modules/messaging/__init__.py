"""messaging: conversations between a store's staff and its customers, and between the
platform's operators and a tenant (messages, attachments checked by content, read state);
in-app notifications per user raised by other modules' events, each user's preferences,
and a daily email digest.

Operators have their pages under /console/platform/messaging/ (conversations with every
tenant, their notifications from monitoring's events, preferences) and an API under
/api/v1/admin/messaging.

Events of optional modules (orders, inventory, credits) and of the internal monitoring
module are handled by name: messaging does not import them and runs without those modules.
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)
from orion.modules.messaging.settings import MessagingSettings

HANDLERS = "orion.modules.messaging.services"

definition = ModuleDefinition(
    code="messaging",
    name="Messaging",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Conversations with customers and the platform, notifications, digests",
    # auth: authors' names (users service); core, always there.
    requires=("tenancy", "email", "auth"),
    models="orion.modules.messaging.models",
    routers={
        "api": "orion.modules.messaging.routes:api",
        "console": "orion.modules.messaging.console:pages",
        "admin": "orion.modules.messaging.routes:admin",
        "console_admin": "orion.modules.messaging.console_operators:pages",
    },
    menu=(
        MenuItem(
            section="tenant",
            label="Messages",
            path="/console/messaging/",
            permission="messaging.read",
            order=35,
        ),
        MenuItem(
            section="platform",
            label="Messages",
            path="/console/platform/messaging/",
            order=78,
        ),
    ),
    permissions=(
        Permission(
            "messaging.read",
            "Read conversations, own notifications and preferences",
            roles=("tenant_admin", "staff"),
        ),
        Permission(
            "messaging.write",
            "Open conversations and post messages",
            roles=("tenant_admin", "staff"),
        ),
    ),
    # Deployment-wide: ORION_MODULES__MESSAGING__STORAGE_DIR=... (attachment files).
    settings=MessagingSettings,
    tasks_path="orion.modules.messaging.tasks",
    scheduled_tasks=(ScheduledTask("messaging.send_digests", cron="0 7 * * *", per_tenant=True),),
    handlers={
        "orders.order_placed": f"{HANDLERS}:on_order_placed",
        "inventory.stock_low": f"{HANDLERS}:on_stock_low",
        "inventory.out_of_stock": f"{HANDLERS}:on_out_of_stock",
        "credits.balance_low": f"{HANDLERS}:on_credits_low",
        "credits.depleted": f"{HANDLERS}:on_credits_low",
        "monitoring.notification_opened": f"{HANDLERS}:on_monitoring_notification_opened",
        "monitoring.notification_acknowledged": (
            f"{HANDLERS}:on_monitoring_notification_acknowledged"
        ),
    },
    on_install=f"{HANDLERS}:seed_demo",
)
