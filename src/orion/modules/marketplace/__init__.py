"""marketplace: Letzshop. Product import from feeds (uploaded or fetched per language),
historical order import, the scheduled order sync with confirmation of inventory units,
tracking and returns, the Letzshop vendor directory, and exports (Letzshop feed files per
language, the marketplace products as CSV).

Catalog products are written through `catalog.services` (its bulk upsert, within the plan's
product limit), stock through `inventory.services` where the tenant has inventory on, and
orders through `orders.services.place_order`. Every call to Letzshop is recorded
(`marketplace_api_call`) so that a merchant sees what was sent and answered.
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)
from orion.modules.marketplace.settings import MarketplaceSettings

definition = ModuleDefinition(
    code="marketplace",
    name="Marketplace",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Letzshop: product import, historical orders, order sync, directory, exports",
    requires=("tenancy", "catalog", "orders"),
    # Stock from the feeds' quantity column goes through inventory where it is on.
    uses=("inventory",),
    models="orion.modules.marketplace.models",
    routers={
        "api": "orion.modules.marketplace.routes:api",
        "console": "orion.modules.marketplace.console:pages",
    },
    permissions=(
        Permission(
            "marketplace.read",
            "See Letzshop imports, orders, the directory and exports",
            roles=("tenant_admin", "staff"),
        ),
        Permission(
            "marketplace.manage",
            "Import and export products, confirm Letzshop orders, manage the Letzshop key",
            roles=("tenant_admin",),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Marketplace",
            path="/console/marketplace/",
            permission="marketplace.read",
            order=40,
        ),
    ),
    settings=MarketplaceSettings,  # deployment-wide: ORION_MODULES__MARKETPLACE__<FIELD>
    tasks_path="orion.modules.marketplace.tasks",
    scheduled_tasks=(
        ScheduledTask("marketplace.sync_store_directory", cron="40 2 * * *", queue="long_running"),
        ScheduledTask("marketplace.sync_orders", cron="*/10 * * * *", per_tenant=True),
        ScheduledTask("marketplace.remove_old_exports", cron="15 4 * * *"),
    ),
    commands={"marketplace": "orion.modules.marketplace.cli:app"},
)
