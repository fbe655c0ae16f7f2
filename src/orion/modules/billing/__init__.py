"""billing: subscription plans and their limits, each tenant's subscription (trials,
upgrades and downgrades with proration, cancellation), included credits per period,
Stripe (customers, subscriptions, Checkout, webhooks) and usage counters.

Provides the kernel's `usage_limits`: other modules ask `orion.kernel.runtime.limits` whether one
more store (product, order) fits the tenant's plan, without importing billing.
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)
from orion.modules.billing.settings import BillingSettings

definition = ModuleDefinition(
    code="billing",
    name="Billing",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Subscription plans and limits, subscriptions, trials, Stripe sync, usage",
    requires=("tenancy", "credits"),
    models="orion.modules.billing.models",
    routers={
        "api": "orion.modules.billing.routes:api",
        "admin": "orion.modules.billing.routes:admin",
        "public": "orion.modules.billing.routes:public",
        "console": "orion.modules.billing.console:pages",
        "console_admin": "orion.modules.billing.console:admin_pages",
    },
    menu=(
        MenuItem(
            section="tenant",
            label="Billing",
            path="/console/billing/",
            permission="billing.read",
            order=30,
        ),
        MenuItem(
            section="platform", label="Plans", path="/console/platform/billing/plans", order=30
        ),
    ),
    permissions=(
        Permission("billing.read", "See the plan, subscription and usage", roles=("tenant_admin",)),
        Permission(
            "billing.manage", "Subscribe, change plan, cancel, pay", roles=("tenant_admin",)
        ),
    ),
    # Deployment-wide: ORION_MODULES__BILLING__STRIPE_API_KEY=... and so on.
    settings=BillingSettings,
    tasks_path="orion.modules.billing.tasks",
    scheduled_tasks=(
        ScheduledTask("billing.reset_period_counters", cron="5 0 * * *", queue="scheduled"),
        ScheduledTask("billing.check_trial_expirations", cron="0 1 * * *", queue="scheduled"),
        ScheduledTask("billing.sync_stripe_status", cron="30 * * * *", queue="scheduled"),
        ScheduledTask("billing.cleanup_stale_subscriptions", cron="0 3 * * 0", queue="scheduled"),
    ),
    handlers={"tenancy.tenant_deleted": "orion.modules.billing.services:on_tenant_deleted"},
    on_install="orion.modules.billing.services:seed_demo",
    provides={
        "usage_limits": "orion.modules.billing.services:usage_limits",
        "dashboard_cards": "orion.modules.billing.services.dashboard:dashboard_cards",
        "webhook_failures": "orion.modules.billing.webhooks:webhook_failures",
    },
)
