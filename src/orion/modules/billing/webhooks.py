"""Stripe webhooks: verified on the raw body, stored once, processed once, in order.

* `receive` checks the signature (stripe.Webhook.construct_event, the endpoint's secret),
  then inserts the event with INSERT ... ON CONFLICT DO NOTHING on Stripe's event id: a
  second delivery, even at the same moment, inserts nothing and is answered 200 at once.
  Only the delivery that stored the event sends the processing task, after commit.
* `process` claims the event with a conditional UPDATE (received or failed -> processing);
  the claim, the effects and the final state commit together, so a second task for the
  same event (a duplicate send, a retry after success) finds nothing to claim.
* Out of order: each subscription remembers Stripe's `created` of the newest event applied
  (`stripe_event_created`); an older event is marked ignored and changes nothing. The row
  is locked (SELECT ... FOR UPDATE) before that comparison and held until the event's
  state commits, so two events for one subscription processed at once by two workers go
  one after the other, and the second compares with what the first applied.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from orion.kernel.contract.points import WebhookFailures
from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.tenancy import acting_for, all_tenants
from orion.kernel.errors import TransientError
from orion.kernel.runtime.tasks import enqueue
from orion.modules.billing import gateway, services
from orion.modules.billing.exceptions import WebhookMalformed, WebhookSignatureInvalid
from orion.modules.billing.models import StripeEvent, UserSubscription
from orion.modules.billing.schemas import SubscriptionStatus, WebhookReceipt

log = structlog.get_logger(__name__)

PROCESS_TASK = "billing.process_stripe_event"
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
)


def receive(session: Session, *, payload: bytes, signature: str | None) -> WebhookReceipt:
    import stripe  # imported with the first webhook, not with the billing module

    settings = services.billing_settings(session)
    try:
        event = gateway.construct_event(settings, payload, signature)
    except stripe.SignatureVerificationError:
        raise WebhookSignatureInvalid(
            "the Stripe-Signature header does not match the payload"
        ) from None
    except ValueError:
        raise WebhookMalformed("the payload is not a Stripe event (invalid JSON)") from None
    data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    event_id, kind, created = data.get("id"), data.get("type"), data.get("created")
    obj = (data.get("data") or {}).get("object")
    if not (
        isinstance(event_id, str)
        and event_id.startswith("evt_")
        and isinstance(kind, str)
        and isinstance(created, int)
        and isinstance(obj, dict)
    ):
        raise WebhookMalformed("the event lacks an id, type, created time or data.object")
    inserted = insert_or_ignore(
        session,
        StripeEvent,
        {
            "id": uuid.uuid4(),
            "stripe_event_id": event_id[:255],
            "type": kind[:100],
            "created": created,
            "livemode": bool(data.get("livemode")),
            "payload": data,
            "state": "received",
            "attempts": 0,
            "received_at": utcnow(),
        },
        unique=("stripe_event_id",),
    )
    if inserted:
        enqueue(session, PROCESS_TASK, stripe_event_id=event_id)
    else:
        log.info("stripe_event_duplicate", stripe_event_id=event_id)
    return WebhookReceipt(duplicate=not inserted, event_id=event_id)


def process(session: Session, stripe_event_id: str) -> str:
    """Apply one stored event, once. Returns its final state (or `skipped`)."""
    now = utcnow()
    with all_tenants(session):
        claimed = session.execute(
            update(StripeEvent)
            .where(
                StripeEvent.stripe_event_id == stripe_event_id,
                StripeEvent.state.in_(("received", "failed")),
            )
            .values(state="processing", claimed_at=now, attempts=StripeEvent.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            return "skipped"
        event = session.scalar(
            select(StripeEvent).where(StripeEvent.stripe_event_id == stripe_event_id)
        )
        assert event is not None
    try:
        with session.begin_nested():
            state, tenant_id = _dispatch(session, event.type, event.created, event.payload)
    except TransientError:
        raise  # the whole claim rolls back; the task retries
    except Exception as exc:
        log.exception("stripe_event_failed", stripe_event_id=stripe_event_id)
        state, tenant_id, error = "failed", None, f"{type(exc).__name__}: {exc}"[:4000]
    else:
        error = None
    with all_tenants(session):
        session.execute(
            update(StripeEvent)
            .where(StripeEvent.id == event.id)
            .values(
                state=state,
                error=error,
                tenant_id=tenant_id,
                processed_at=utcnow() if state != "failed" else None,
            )
            .execution_options(synchronize_session=False)
        )
    return state


def _dispatch(
    session: Session, kind: str, created: int, payload: dict[str, Any]
) -> tuple[str, uuid.UUID | None]:
    obj = payload["data"]["object"]
    if kind in SUBSCRIPTION_EVENTS:
        return _subscription_event(session, created, obj)
    if kind == "checkout.session.completed":
        return _payment_method_known(session, obj, customer=obj.get("customer"))
    if kind == "setup_intent.succeeded":
        return _payment_method_known(session, obj, customer=obj.get("customer"))
    if kind in ("invoice.payment_failed", "invoice.paid", "invoice.payment_succeeded"):
        return _invoice_event(session, kind, created, obj)
    return "ignored", None


def _locked(query: Any) -> Any:
    """The subscription row held until commit, read as it is now (after the lock's wait),
    so comparing an event's `created` with `stripe_event_created` and applying it is one
    step per subscription: a concurrent event for it waits, then sees what was applied.
    (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already runs one writer at a time.)"""
    return query.with_for_update().execution_options(populate_existing=True)


def _find(
    session: Session,
    *,
    subscription_id: str | None = None,
    customer: str | None = None,
    tenant_id: str | None = None,
) -> UserSubscription | None:
    """The local subscription an event is about, locked (see `_locked`)."""
    with all_tenants(session):
        if subscription_id:
            row = session.scalar(
                _locked(
                    select(UserSubscription).where(
                        UserSubscription.stripe_subscription_id == subscription_id
                    )
                )
            )
            if row is not None:
                return row
        if customer:
            row = session.scalar(
                _locked(
                    select(UserSubscription).where(UserSubscription.stripe_customer_id == customer)
                )
            )
            if row is not None:
                return row
        if tenant_id:
            try:
                return session.scalar(
                    _locked(
                        select(UserSubscription).where(
                            UserSubscription.tenant_id == uuid.UUID(tenant_id)
                        )
                    )
                )
            except ValueError:
                return None
    return None


def _subscription_event(
    session: Session, created: int, obj: dict[str, Any]
) -> tuple[str, uuid.UUID | None]:
    metadata = obj.get("metadata") or {}
    customer = obj.get("customer") if isinstance(obj.get("customer"), str) else None
    row = _find(
        session,
        subscription_id=obj.get("id"),
        customer=customer,
        tenant_id=metadata.get("tenant_id"),
    )
    if row is None:
        row = _new_from_stripe(session, obj, metadata)
        if row is None:
            log.warning("stripe_subscription_unknown", stripe_subscription_id=obj.get("id"))
            return "ignored", None
    if row.stripe_subscription_id and row.stripe_subscription_id != obj.get("id"):
        if row.status in services.LIVE:  # a stale or foreign subscription of this customer
            return "ignored", row.tenant_id
        row.stripe_event_created = None  # a new Stripe subscription replaces an ended one
    with acting_for(session, services.tenant_of(session, row.tenant_id)):
        previous = (row.plan_id, row.status)
        applied = services.apply_stripe_subscription(session, row, obj, created=created)
        session.flush()
        if applied and previous != (row.plan_id, row.status):
            services.announce(session, row, *previous, reason="stripe")
    return ("processed" if applied else "ignored"), row.tenant_id


def _new_from_stripe(
    session: Session, obj: dict[str, Any], metadata: dict[str, Any]
) -> UserSubscription | None:
    """A subscription made through Checkout: the tenant and plan ride in its metadata.

    Inserted with ON CONFLICT DO NOTHING on the tenant, then read: the checkout's and the
    subscription's events may be processed at the same moment, and both create it."""
    try:
        tenant_id = uuid.UUID(str(metadata.get("tenant_id")))
        plan_id = uuid.UUID(str(metadata.get("plan_id")))
        user_id = uuid.UUID(str(metadata["user_id"])) if metadata.get("user_id") else None
    except (ValueError, KeyError):
        return None
    with acting_for(session, services.tenant_of(session, tenant_id)):
        now = utcnow()
        insert_or_ignore(
            session,
            UserSubscription,
            {
                "tenant_id": tenant_id,
                "user_id": user_id,
                "plan_id": services.get_plan(session, plan_id).id,
                # Until Stripe's subscription object says more (its own event).
                "status": SubscriptionStatus.PAST_DUE.value,
                "past_due_since": now,
                "current_period_start": now,
                "current_period_end": now,
                "cancel_at_period_end": False,
                "has_payment_method": False,
            },
            unique=("tenant_id",),
        )
        return session.scalar(_locked(select(UserSubscription)))


def _payment_method_known(
    session: Session, obj: dict[str, Any], *, customer: Any
) -> tuple[str, uuid.UUID | None]:
    metadata = obj.get("metadata") or {}
    row = _find(
        session,
        subscription_id=obj.get("subscription")
        if isinstance(obj.get("subscription"), str)
        else None,
        customer=customer if isinstance(customer, str) else None,
        tenant_id=metadata.get("tenant_id") or obj.get("client_reference_id"),
    )
    if row is None and obj.get("mode") == "subscription":
        row = _new_from_stripe(session, obj, metadata)  # its subscription's event comes later
    if row is None:
        return "ignored", None
    with acting_for(session, services.tenant_of(session, row.tenant_id)):
        if isinstance(customer, str) and not row.stripe_customer_id:
            row.stripe_customer_id = customer
        row.has_payment_method = True
        session.flush()
    return "processed", row.tenant_id


def _invoice_event(
    session: Session, kind: str, created: int, obj: dict[str, Any]
) -> tuple[str, uuid.UUID | None]:
    subscription_id = obj.get("subscription") or (
        ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
    )
    row = _find(
        session, subscription_id=subscription_id if isinstance(subscription_id, str) else None
    )
    if row is None:
        return "ignored", None
    if (row.stripe_event_created or 0) > created or row.status not in services.LIVE:
        return "ignored", row.tenant_id
    with acting_for(session, services.tenant_of(session, row.tenant_id)):
        previous = (row.plan_id, row.status)
        if kind == "invoice.payment_failed":
            services.set_status(row, SubscriptionStatus.PAST_DUE)
        elif row.status == SubscriptionStatus.PAST_DUE:
            services.set_status(row, SubscriptionStatus.ACTIVE)
            row.has_payment_method = True
        row.stripe_event_created = created
        session.flush()
        if previous != (row.plan_id, row.status):
            services.announce(session, row, *previous, reason="stripe")
    return "processed", row.tenant_id


# -- upkeep (run by the scheduled tasks) ---------------------------------------------------


def requeue_stale(session: Session) -> int:
    """Send the processing task again for events whose task was lost, and for failed ones
    (a bug fixed since, a row that was missing) until they failed MAX_ATTEMPTS times."""
    cutoff = utcnow() - STALE_AFTER
    with all_tenants(session):
        stale = list(
            session.scalars(
                select(StripeEvent.stripe_event_id)
                .where(
                    or_(
                        StripeEvent.state == "received",
                        and_(
                            StripeEvent.state == "failed",
                            StripeEvent.attempts < MAX_ATTEMPTS,
                        ),
                    ),
                    StripeEvent.received_at < cutoff,
                )
                .limit(500)
            )
        )
    for event_id in stale:
        enqueue(session, PROCESS_TASK, stripe_event_id=event_id)
    return len(stale)


def forget_old(session: Session, *, older_than_days: int) -> int:
    """Delete events processed (or ignored) long ago; Stripe stops retrying after 3 days
    and refuses to sign old timestamps, so they cannot come back."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    with all_tenants(session):
        return session.execute(
            delete(StripeEvent)
            .where(
                StripeEvent.state.in_(("processed", "ignored")),
                StripeEvent.received_at < cutoff,
            )
            .execution_options(synchronize_session=False)
        ).rowcount


def webhook_failures(session: Session, since: datetime) -> WebhookFailures:
    """The kernel's `webhook_failures` point: Stripe events received since `since` that
    failed to apply, across tenants, and the latest error."""
    failed = (StripeEvent.state == "failed", StripeEvent.received_at >= since)
    with all_tenants(session):
        count = session.scalar(select(func.count()).select_from(StripeEvent).where(*failed))
        latest = session.scalar(
            select(StripeEvent.error).where(*failed).order_by(StripeEvent.received_at.desc())
        ) if count else None  # fmt: skip
    return WebhookFailures(count=int(count or 0), last_error=latest)
