"""inventory: stock per location, the append-only ledger of every change, reservations
for orders.

It reserves an order's lines in the placing transaction (`orders.order_placed`: a line
the store cannot cover fails the order with 409 `insufficient_stock`), releases them when
the order is canceled (after commit) or not paid in time (every minute), turns them into
fulfilment when the order ships and restocks returns. After every change it tells the
catalog what the store can sell (`catalog.services.record_stock`). A tenant without the
module sells without stock control.
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)

SERVICES = "orion.modules.inventory.services"

definition = ModuleDefinition(
    code="inventory",
    name="Inventory",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Stock per location, the stock ledger, reservations for orders",
    requires=("tenancy", "catalog"),
    # It reserves, releases and fulfils what orders announce; stock is kept without them.
    uses=("orders",),
    models="orion.modules.inventory.models",
    routers={
        "api": "orion.modules.inventory.routes:api",
        "console": "orion.modules.inventory.console:pages",
    },
    permissions=(
        Permission(
            "inventory.read",
            "See stock, its movements and reservations",
            roles=("tenant_admin", "staff"),
        ),
        Permission(
            "inventory.manage",
            "Receive, adjust and transfer stock; manage locations",
            roles=("tenant_admin", "staff"),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Stock",
            path="/console/inventory/",
            permission="inventory.read",
            order=25,
        ),
    ),
    tasks_path="orion.modules.inventory.tasks",
    scheduled_tasks=(ScheduledTask("inventory.release_expired_reservations", cron="* * * * *"),),
    transaction_handlers={
        "orders.order_placed": f"{SERVICES}:on_order_placed",
        "orders.order_paid": f"{SERVICES}:on_order_paid",
        "orders.fulfillment_created": f"{SERVICES}:on_fulfillment_created",
        "orders.return_received": f"{SERVICES}:on_return_received",
    },
    handlers={"orders.order_canceled": f"{SERVICES}:on_order_canceled"},
    commands={"inventory": "orion.modules.inventory.cli:app"},
    on_install=f"{SERVICES}:seed_demo",
    provides={"dashboard_cards": "orion.modules.inventory.services.dashboard:dashboard_cards"},
)
