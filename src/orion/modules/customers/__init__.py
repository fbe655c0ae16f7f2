"""customers: a store's customers (email unique per store, whatever its case), their
addresses (billing and shipping, one default of each), storefront accounts (register, sign
in with an Argon2 password, sign out, password reset by a single-use mailed token), and a
customer's export and erasure on request.

The `storefront_customers` point it provides turns a customer's bearer token (a JWT of
audience `orion:storefront` naming the customer, the store and the sign-in session) into
the kernel's `CustomerRef`; staff tokens never pass, nor customer tokens on staff routes.
Modules holding a customer's data (orders) provide `customer_data`: customers asks every
provider for its part of an export, and to anonymise it on erasure. Other modules read
customers through `orion.modules.customers.services`, `schemas` and `events`.
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)
from orion.modules.customers.settings import CustomersSettings

definition = ModuleDefinition(
    code="customers",
    name="Customers",
    version="1.0.0",
    tier=Tier.CORE,
    description="Store customers, addresses, storefront accounts, export and erasure",
    requires=("tenancy",),
    # The password reset mail goes out where the tenant has the email module on.
    uses=("email",),
    models="orion.modules.customers.models",
    settings=CustomersSettings,
    routers={
        "api": "orion.modules.customers.routes:api",
        "public": "orion.modules.customers.storefront:public",
        "console": "orion.modules.customers.console:pages",
    },
    permissions=(
        Permission("customers.read", "See a store's customers", roles=("tenant_admin", "staff")),
        Permission(
            "customers.manage",
            "Create, change, deactivate, export and erase customers",
            roles=("tenant_admin", "staff"),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Customers",
            path="/console/customers/",
            permission="customers.read",
            order=21,
        ),
    ),
    provides={
        "storefront_customers": "orion.modules.customers.services.tokens:authenticate_customer"
    },
    tasks_path="orion.modules.customers.tasks",
    scheduled_tasks=(ScheduledTask("customers.purge_expired", cron="37 3 * * *", per_tenant=True),),
    on_install="orion.modules.customers.services:seed_demo",
)

__all__ = ["CustomersSettings", "definition"]
