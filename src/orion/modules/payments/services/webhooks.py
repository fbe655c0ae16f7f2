"""Stripe's webhooks: verified, stored once, processed once, converging on the amounts.

Each tenant's events are signed with its own account's secret, so the event names the
payment before it is trusted: the PaymentIntent's metadata (`orion_payment_id`) or its id.
The signature is then checked with that tenant's secret (`stripe.Webhook.construct_event`
on the raw body); an event about no payment of Orion's is answered 200 and not stored.

The event is stored with INSERT ... ON CONFLICT DO NOTHING on Stripe's event id: a second
delivery, even at the same moment, stores nothing and does nothing. The delivery that
stored it applies it at once, in the same transaction, holding the payment's row: only the
database is touched (no provider call). What it applies are amounts (captured, refunded,
capturable), which only move one way, so `charge.refunded` before `payment_intent.succeeded`
ends where the reverse order does.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from orion.kernel.contract.points import WebhookFailures
from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.tenancy import acting_for, all_tenants
from orion.kernel.runtime import runtime_of
from orion.modules.payments.exceptions import WebhookMalformed, WebhookSignatureInvalid
from orion.modules.payments.models import Payment, WebhookEvent
from orion.modules.payments.providers.stripe_provider import charge_remote, intent_remote
from orion.modules.payments.repository import PaymentRepository
from orion.modules.payments.schemas import Provider, WebhookReceipt
from orion.modules.payments.services import accounts, amounts

log = structlog.get_logger(__name__)


def _payment_of(session: Session, obj: dict[str, Any]) -> Payment | None:
    metadata = obj.get("metadata") or {}
    with all_tenants(session):
        try:
            payment_id = uuid.UUID(str(metadata.get("orion_payment_id")))
        except ValueError:
            payment_id = None
        if payment_id is not None:
            payment = session.get(Payment, payment_id)
            if payment is not None:
                return payment
        intent = (
            obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
        )
        if isinstance(intent, str) and intent:
            return PaymentRepository(session).by_reference(Provider.STRIPE, intent)
    return None


def receive(session: Session, *, payload: bytes, signature: str | None) -> WebhookReceipt:
    import stripe  # imported with the first webhook, not with the module

    try:
        data = json.loads(payload)
        obj = data["data"]["object"]
        event_id, kind, created = data["id"], data["type"], int(data["created"])
    except (ValueError, KeyError, TypeError):
        raise WebhookMalformed("the payload is not a Stripe event") from None
    if not (isinstance(obj, dict) and isinstance(event_id, str) and isinstance(kind, str)):
        raise WebhookMalformed("the event lacks an id, a type or data.object")
    payment = _payment_of(session, obj)
    if payment is None:
        log.info("stripe_event_for_no_payment", event_id=event_id, type=kind)
        return WebhookReceipt(received=False, event_id=event_id, state="ignored")
    runtime = runtime_of(session)
    tenant = runtime.tenant_context(session, payment.tenant_id)
    with acting_for(session, tenant):
        secret = accounts.credentials(session, tenant, Provider.STRIPE).webhook_secret
        if not secret:
            raise WebhookSignatureInvalid("the store's Stripe account has no webhook secret stored")
        try:
            stripe.Webhook.construct_event(
                payload,
                signature or "",
                secret,
                tolerance=accounts.payments_settings(session).webhook_tolerance_seconds,
            )
        except stripe.SignatureVerificationError:
            raise WebhookSignatureInvalid(
                "the Stripe-Signature header does not match the payload"
            ) from None
        inserted = insert_or_ignore(
            session,
            WebhookEvent,
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant.tenant_id,
                "provider": Provider.STRIPE.value,
                "event_id": event_id[:255],
                "type": kind[:100],
                "created": created,
                "payment_id": payment.id,
                "payload": data,
                "state": "received",
                "received_at": utcnow(),
            },
            unique=("provider", "event_id"),
        )
        if not inserted:
            log.info("stripe_event_duplicate", event_id=event_id)
            return WebhookReceipt(received=True, duplicate=True, event_id=event_id)
        state = process(session, event_id)
    return WebhookReceipt(received=True, event_id=event_id, state=state)


def process(session: Session, event_id: str) -> str:
    """Apply a stored event (received, or failed before): processed, ignored or failed."""
    event = session.scalar(
        select(WebhookEvent).where(
            WebhookEvent.provider == Provider.STRIPE, WebhookEvent.event_id == event_id
        )
    )
    if event is None or event.state in ("processed", "ignored"):
        return "skipped"
    try:
        with session.begin_nested():
            state = _apply(session, event)
    except Exception as exc:
        log.exception("stripe_event_failed", event_id=event_id)
        state, error = "failed", f"{type(exc).__name__}: {exc}"[:4000]
    else:
        error = None
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event.id)
        .values(state=state, error=error, processed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return state


def _apply(session: Session, event: WebhookEvent) -> str:
    obj = event.payload["data"]["object"]
    if event.payment_id is None:
        return "ignored"
    payment = PaymentRepository(session).locked(event.payment_id)
    if payment is None:
        return "ignored"
    if event.type.startswith("payment_intent.") and obj.get("object") == "payment_intent":
        amounts.apply_remote(session, payment, intent_remote(obj))
        return "processed"
    if event.type.startswith("charge.") and obj.get("object") == "charge":
        amounts.apply_remote(session, payment, charge_remote(obj))
        return "processed"
    return "ignored"


def failed_events(session: Session, *, limit: int = 200) -> list[tuple[uuid.UUID, str]]:
    """(tenant, event id) of events whose processing failed, to be tried again."""
    with all_tenants(session):
        return [
            (row.tenant_id, row.event_id)
            for row in session.execute(
                select(WebhookEvent.tenant_id, WebhookEvent.event_id)
                .where(WebhookEvent.state == "failed")
                .limit(limit)
            )
        ]


def webhook_failures(session: Session, since: datetime) -> WebhookFailures:
    """The kernel's `webhook_failures` point: Provider events received since `since` that
    failed to apply, across tenants, and the latest error."""
    failed = (WebhookEvent.state == "failed", WebhookEvent.received_at >= since)
    with all_tenants(session):
        count = session.scalar(select(func.count()).select_from(WebhookEvent).where(*failed))
        latest = session.scalar(
            select(WebhookEvent.error).where(*failed).order_by(WebhookEvent.received_at.desc())
        ) if count else None  # fmt: skip
    return WebhookFailures(count=int(count or 0), last_error=latest)
