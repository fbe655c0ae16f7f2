"""payments: how a store's customers pay their orders. Two providers behind one interface:
`bank_transfer` (the customer gets instructions with a reference; staff mark the money
received, all or part of it) and `stripe` (PaymentIntents with manual capture through the
official SDK: authorise, capture in parts, cancel, refund in parts).

Each payment records what was authorised, captured and refunded, in minor units; every
capture and refund is a row keyed by its `Idempotency-Key`. The provider is called with no
database transaction open: a short transaction records the intent, the call runs, a short
transaction records the result. Stripe's webhooks are verified, stored once and processed
once; amounts converge whatever order they arrive in.

`payments.payment_captured` and `payments.payment_refunded` move the order through the
orders service (its handlers: payments on the order, refunds with credit notes).
"""

from orion.kernel.contract.modules import (
    MenuItem,
    ModuleDefinition,
    Permission,
    ScheduledTask,
    Tier,
)
from orion.modules.payments.settings import PaymentsSettings

definition = ModuleDefinition(
    code="payments",
    name="Payments",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Order payments: bank transfer and Stripe (authorise, capture, refund), webhooks",
    requires=("tenancy", "orders"),
    models="orion.modules.payments.models",
    routers={
        "api": "orion.modules.payments.routes:api",
        "public": "orion.modules.payments.routes:public",
        "console": "orion.modules.payments.console:pages",
    },
    permissions=(
        Permission("payments.read", "See payments", roles=("tenant_admin", "staff")),
        Permission(
            "payments.manage",
            "Capture and cancel payments, mark bank transfers received",
            roles=("tenant_admin", "staff"),
        ),
        Permission("payments.refund", "Refund payments", roles=("tenant_admin",)),
        Permission(
            "payments.configure",
            "Set the Stripe keys and the bank account customers pay to",
            roles=("tenant_admin",),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Payments",
            path="/console/payments/",
            permission="payments.read",
            order=23,
        ),
    ),
    # Deployment-wide: ORION_MODULES__PAYMENTS__STRIPE_API_BASE=... (the keys are per tenant).
    settings=PaymentsSettings,
    tasks_path="orion.modules.payments.tasks",
    scheduled_tasks=(
        ScheduledTask("payments.settle_pending", cron="*/10 * * * *", queue="scheduled"),
    ),
    provides={
        "secret_rotation": "orion.modules.payments.services:rotate_secrets",
        "webhook_failures": "orion.modules.payments.services.webhooks:webhook_failures",
    },
)
