"""Billing: plans and their limits, each tenant's subscription, usage counters, Stripe.

Other modules never import billing (it is optional): they reach it through the kernel's
`usage_limits` extension point (`usage_limits` below, used via
`orion.kernel.runtime.limits.check_limit` / `consume_counter`).

Stripe (when configured, ORION_MODULES__BILLING__STRIPE_API_KEY) holds the truth for
subscriptions linked to it: its webhooks (see webhooks.py) and `sync_stripe_status` apply
what it says; without Stripe, subscriptions are kept locally and the scheduled tasks
roll their periods.

Functions take the session first, then the tenant they act for; they flush, never commit.
"""

from orion.modules.billing.services.included_credits import grant_period_credits
from orion.modules.billing.services.lifecycle import DEMO_PLANS, on_tenant_deleted, seed_demo
from orion.modules.billing.services.plans import (
    available_plans,
    create_plan,
    delete_plan,
    get_plan,
    list_plans,
    offered_plans_listing,
    plans_listing,
    update_plan,
)
from orion.modules.billing.services.state import (
    LIVE,
    announce,
    billing_settings,
    find_subscription,
    get_subscription,
    set_status,
    tenant_of,
)
from orion.modules.billing.services.stripe_sync import (
    apply_stripe_subscription,
    checkout_session,
    setup_session,
)
from orion.modules.billing.services.subscriptions import (
    all_subscriptions_listing,
    cancel,
    change_plan,
    get_any_subscription,
    list_all_subscriptions,
    resume,
    subscribe,
)
from orion.modules.billing.services.usage import (
    UsageLimits,
    count,
    counter_value,
    plan_for,
    usage,
    usage_limits,
)

__all__ = [
    "DEMO_PLANS",
    "LIVE",
    "UsageLimits",
    "all_subscriptions_listing",
    "announce",
    "apply_stripe_subscription",
    "available_plans",
    "billing_settings",
    "cancel",
    "change_plan",
    "checkout_session",
    "count",
    "counter_value",
    "create_plan",
    "delete_plan",
    "find_subscription",
    "get_any_subscription",
    "get_plan",
    "get_subscription",
    "grant_period_credits",
    "list_all_subscriptions",
    "list_plans",
    "offered_plans_listing",
    "on_tenant_deleted",
    "plan_for",
    "plans_listing",
    "resume",
    "seed_demo",
    "set_status",
    "setup_session",
    "subscribe",
    "tenant_of",
    "update_plan",
    "usage",
    "usage_limits",
]
