"""orders: a store's orders, with items that snapshot what was sold, totals with VAT per
rate, a state machine with its timeline, shipments, returns, refunds, gapless invoices and
credit notes (PDF).

Placing an order publishes `orders.order_placed`: inventory (when it is on for the tenant)
reserves the stock in the same transaction, and the customer gets a confirmation mail
through the email module after commit. Other modules read orders through
`orion.modules.orders.services`, `schemas` and `events`.
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Permission, Tier

definition = ModuleDefinition(
    code="orders",
    name="Orders",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Orders per store: checkout, state machine, shipments, refunds, invoices",
    requires=("tenancy", "catalog"),
    # The confirmation mail goes out where the tenant has the email module on.
    uses=("email",),
    models="orion.modules.orders.models",
    routers={
        "api": "orion.modules.orders.routes:api",
        "console": "orion.modules.orders.console:pages",
        "public": "orion.modules.orders.routes:public",
    },
    permissions=(
        Permission("orders.read", "See orders and invoices", roles=("tenant_admin", "staff")),
        Permission(
            "orders.manage",
            "Place, confirm, cancel and ship orders; record payments; issue invoices",
            roles=("tenant_admin", "staff"),
        ),
        Permission("orders.refund", "Refund orders (credit notes)", roles=("tenant_admin",)),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Orders",
            path="/console/orders/",
            permission="orders.read",
            order=22,
        ),
    ),
    handlers={"orders.order_placed": "orion.modules.orders.services:send_confirmation"},
    # Captures and refunds of the payments module (which requires orders), recorded on the
    # order in the transaction that records them.
    transaction_handlers={
        "payments.payment_captured": (
            "orion.modules.orders.services.payments:record_captured_payment"
        ),
        "payments.payment_refunded": (
            "orion.modules.orders.services.payments:record_refunded_payment"
        ),
    },
    on_install="orion.modules.orders.services:seed_demo",
    provides={
        "dashboard_cards": "orion.modules.orders.services.dashboard:dashboard_cards",
        "customer_data": "orion.modules.orders.services:orders_of_customer",
    },
)
