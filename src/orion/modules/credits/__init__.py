"""credits: the tenant's credit ledger (add, deduct, refund, hold and settle or release),
its balance, idempotent by key and safe under concurrency.

Other modules spend credits through `orion.modules.credits.services` (the AI proxy holds
before an upstream call and settles after it; billing grants a plan's included credits).
It provides the kernel's `credit_balance` (tenancy shows the balance with the tenant).
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)

definition = ModuleDefinition(
    code="credits",
    name="Credits",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Credit ledger per tenant: add, deduct, refund, hold and settle; balances",
    requires=("tenancy",),
    models="orion.modules.credits.models",
    routers={
        "api": "orion.modules.credits.routes:api",
        "admin": "orion.modules.credits.routes:admin",
        "console": "orion.modules.credits.console:pages",
        "console_admin": "orion.modules.credits.console:admin_pages",
    },
    permissions=(
        Permission(
            "credits.read",
            "See the credit balance and its history",
            roles=("tenant_admin", "staff"),
        ),
        Permission("credits.spend", "Deduct, hold, settle and refund credits (programs)"),
        Permission("credits.manage", "Set the low-balance threshold"),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Credits",
            path="/console/credits/",
            permission="credits.read",
            order=40,
        ),
        MenuItem(
            section="platform", label="Credit ledgers", path="/console/platform/credits/", order=40
        ),
    ),
    tasks_path="orion.modules.credits.tasks",
    scheduled_tasks=(ScheduledTask("credits.release_expired_holds", cron="* * * * *"),),
    handlers={"tenancy.tenant_deleted": "orion.modules.credits.services:on_tenant_deleted"},
    provides={
        "credit_balance": "orion.modules.credits.services:balance_of",
        "dashboard_cards": "orion.modules.credits.services.dashboard:dashboard_cards",
    },
    commands={"credits": "orion.modules.credits.cli:app"},
    on_install="orion.modules.credits.services:seed_demo",
)
