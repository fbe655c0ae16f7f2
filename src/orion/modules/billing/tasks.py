"""Billing tasks: webhook events processed once, and the four scheduled tasks (queue
`scheduled`, declared in the module definition). Each is safe to run twice: see periodic.py.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task
from orion.modules.billing import periodic, webhooks
from orion.modules.billing.exceptions import StripeUnavailable


@task(webhooks.PROCESS_TASK, retry_on=(StripeUnavailable,), max_retries=8)
def process_stripe_event(session: Session, stripe_event_id: str) -> str:
    """Apply one stored Stripe event; a second run finds it claimed and does nothing."""
    return webhooks.process(session, stripe_event_id)


@task("billing.reset_period_counters", queue="scheduled")
def reset_period_counters(session: Session) -> dict[str, int]:
    return periodic.reset_period_counters(session)


@task("billing.check_trial_expirations", queue="scheduled")
def check_trial_expirations(session: Session) -> dict[str, int]:
    return periodic.check_trial_expirations(session)


@task("billing.sync_stripe_status", queue="scheduled", retry_on=(StripeUnavailable,))
def sync_stripe_status(session: Session) -> dict[str, int]:
    return periodic.sync_stripe_status(session, checkpoint=session.commit)


@task("billing.cleanup_stale_subscriptions", queue="scheduled")
def cleanup_stale_subscriptions(session: Session) -> dict[str, int]:
    return periodic.cleanup_stale_subscriptions(session)
