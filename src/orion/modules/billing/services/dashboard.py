"""Billing's cards on a tenant's home page (the kernel's `dashboard_cards` point): the plan
and its state (trial end, renewal), usage against the plan's limits, and as things to do a
payment past due, a trial ending soon, a limit reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from orion.kernel.contract.points import DashboardCard
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.modules.billing.schemas import ORDERS_PER_MONTH, PRODUCTS, STORES, SubscriptionStatus
from orion.modules.billing.services.plans import get_plan
from orion.modules.billing.services.state import LIVE, find_subscription
from orion.modules.billing.services.usage import plan_for, usage

BILLING = "/console/billing/"
TRIAL_WARNING = timedelta(days=7)
LABELS = {STORES: "Store limit", PRODUCTS: "Product limit", ORDERS_PER_MONTH: "Orders this month"}


def dashboard_cards(session: Session, tenant: TenantContext) -> list[DashboardCard]:
    now = utcnow()
    subscription = find_subscription(session, tenant)
    live = subscription is not None and subscription.status in LIVE
    plan = get_plan(session, subscription.plan_id) if live else plan_for(session, tenant)
    cards: list[DashboardCard] = []
    if subscription is None or not live:
        cards.append(
            DashboardCard(
                title="Plan",
                figure=plan.name if plan else "No plan",
                detail="the platform's default plan: choose one to subscribe"
                if plan
                else "nothing is limited; choose a plan when you are ready",
                link=BILLING,
            )
        )
    else:
        status = subscription.status
        if status == SubscriptionStatus.TRIALING and subscription.trial_end:
            detail = f"trial until {_day(subscription.trial_end)}"
        elif subscription.cancel_at_period_end:
            detail = f"ends on {_day(subscription.current_period_end)}"
        else:
            detail = (
                f"{status.replace('_', ' ')}, renews on {_day(subscription.current_period_end)}"
            )
        cards.append(
            DashboardCard(
                title="Plan",
                figure=plan.name if plan else "—",
                detail=detail,
                link=BILLING,
                tone="danger" if status == SubscriptionStatus.PAST_DUE else "good",
            )
        )
        if status == SubscriptionStatus.PAST_DUE:
            cards.append(
                DashboardCard(
                    title="Payment past due",
                    figure=plan.name if plan else "Subscription",
                    detail="update the payment method before the subscription is cancelled",
                    link=BILLING,
                    tone="danger",
                    todo=True,
                )
            )
        trial_end = _aware(subscription.trial_end) if subscription.trial_end else None
        if (
            status == SubscriptionStatus.TRIALING
            and trial_end is not None
            and trial_end - _aware(now) <= TRIAL_WARNING
        ):
            days = max((trial_end - _aware(now)).days, 0)
            cards.append(
                DashboardCard(
                    title="Trial ends soon",
                    figure=f"{days} day{'s' if days != 1 else ''} left",
                    detail="add a payment method to keep the plan"
                    if not subscription.has_payment_method
                    else f"the plan continues on {_day(trial_end)}",
                    link=BILLING,
                    tone="warning",
                    todo=not subscription.has_payment_method,
                )
            )
    for line in usage(session, tenant, plan=plan).limits:
        if line.maximum is None or line.used is None:
            continue
        label = LABELS.get(line.limit, line.limit.replace("_", " ").capitalize())
        reached = line.used >= line.maximum
        near = line.used * 10 >= line.maximum * 8
        cards.append(
            DashboardCard(
                title=label,
                figure=f"{_number(line.used)} of {_number(line.maximum)}",
                detail="the plan's limit is reached: upgrade to add more"
                if reached
                else "of the plan's limit",
                link=BILLING,
                tone="danger" if reached else "warning" if near else "neutral",
                todo=reached,
            )
        )
    return cards


def _number(value: int) -> str:
    """As the console writes numbers (thin spaces between thousands)."""
    return f"{value:,}".replace(",", "\u202f")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(moment: datetime) -> str:
    moment = _aware(moment).astimezone(UTC)
    return f"{moment.day} {moment:%B %Y}"
