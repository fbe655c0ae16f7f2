"""Payments business logic; the public surface for other modules, with `schemas` and
`events`.

* `accounts`: the tenant's Stripe keys (sealed) and bank account; key rotation;
* `payments`: starting and confirming payments, reads;
* `operations`: captures, bank transfers received, refunds, cancellations: the provider
  called with no database transaction open;
* `amounts`: what the provider says applied to a payment's amounts and state;
* `webhooks`: Stripe's events verified, stored once and processed once;
* `settle`: operations the provider never answered, asked again with their keys.

Functions that call a provider take the runtime (they open their own short units of
work); the others take the session first, then the tenant, then keyword-only options.
"""

from orion.modules.payments.services.accounts import (
    configure_bank,
    configure_stripe,
    credentials,
    payments_settings,
    provider_accounts,
    rotate_secrets,
    stripe_public,
)
from orion.modules.payments.services.amounts import derive_state
from orion.modules.payments.services.operations import cancel, capture, mark_received, refund
from orion.modules.payments.services.payments import (
    confirm,
    customer_order,
    get_payment,
    order_payments,
    payment_detail,
    payments_listing,
    shopper_payments,
    staff_order,
    start,
)
from orion.modules.payments.services.settle import settle_pending
from orion.modules.payments.services.webhooks import receive

__all__ = [
    "cancel",
    "capture",
    "configure_bank",
    "configure_stripe",
    "confirm",
    "credentials",
    "customer_order",
    "derive_state",
    "get_payment",
    "mark_received",
    "order_payments",
    "payment_detail",
    "payments_listing",
    "payments_settings",
    "provider_accounts",
    "receive",
    "refund",
    "rotate_secrets",
    "settle_pending",
    "shopper_payments",
    "staff_order",
    "start",
    "stripe_public",
]
