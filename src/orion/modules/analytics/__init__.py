"""analytics: a store's reports (sales per day, week or month with VAT in and out, order
counts, average order value, best-selling items, refunds, stock value) and the tenant's
usage (AI credits and calls, emails), as charts and tables in the console, JSON in the API
and CSV downloads.

Figures are GROUP BY queries of the modules owning the data, through their services
(`orders`, `inventory`, `credits`, `ai_proxy`, `email`). Past days of sales are kept in
`analytics_daily_sales`, refreshed every night per tenant (`analytics.refresh_rollups`);
the days after the rollup's last refreshed day, today included, are always computed live.
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)

definition = ModuleDefinition(
    code="analytics",
    name="Analytics",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Sales, best sellers, refunds, stock value per store; usage per tenant",
    requires=("tenancy", "catalog", "orders"),
    # Stock value and usage read what these recorded; they stay the tenant's choice.
    uses=("inventory", "credits", "ai_proxy", "email"),
    models="orion.modules.analytics.models",
    routers={
        "api": "orion.modules.analytics.routes:api",
        "console": "orion.modules.analytics.console:pages",
    },
    permissions=(
        Permission(
            "analytics.read",
            "See the reports of the stores and the tenant's usage",
            roles=("tenant_admin",),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Analytics",
            path="/console/analytics/",
            permission="analytics.read",
            order=30,
        ),
    ),
    tasks_path="orion.modules.analytics.tasks",
    scheduled_tasks=(
        ScheduledTask("analytics.refresh_rollups", cron="15 2 * * *", per_tenant=True),
    ),
    handlers={"orders.order_canceled": "orion.modules.analytics.services:on_order_canceled"},
    on_install="orion.modules.analytics.services:seed_demo",
)
