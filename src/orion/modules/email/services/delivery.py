"""Delivering queued messages over SMTP, and sending again those whose task was lost."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import acting_for, all_tenants
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.tasks import enqueue
from orion.kernel.security import SecretDecryptionError
from orion.modules.email import smtp
from orion.modules.email.events import MessageFailed, MessageSent
from orion.modules.email.exceptions import DeliveryDeferred, DeliveryFailed, SecretUnreadable
from orion.modules.email.models import EmailMessage
from orion.modules.email.repository import EmailMessageRepository
from orion.modules.email.schemas import EmailConfig as SmtpConfig
from orion.modules.email.schemas import MessageState
from orion.modules.email.services.config import effective_config, email_settings, tenant_for
from orion.modules.email.services.outbox import SEND_TASK

log = structlog.get_logger(__name__)

STALE_AFTER = timedelta(minutes=30)  # longer than the longest retry backoff (10 minutes)
EXPIRE_AFTER = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one delivery attempt. `retry` is set when the task should retry."""

    state: str
    retry: DeliveryDeferred | None = None


def deliver(
    session: Session,
    message_id: uuid.UUID,
    *,
    tenant_id: uuid.UUID | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> Delivery:
    """Try to send one message (of `tenant_id`; platform mail when None) and record the
    outcome on it.

    `checkpoint` is called once the attempt is recorded and before the SMTP conversation
    (the send task passes `session.commit`), so no database lock is held while talking to
    a remote server. Safe to repeat: a message sent or failed for good is left alone.
    """
    messages = EmailMessageRepository(session)
    if tenant_id is None:
        with all_tenants(session):
            return _attempt(session, messages.platform_message(message_id), message_id, checkpoint)
    with acting_for(session, tenant_for(session, tenant_id)):
        return _attempt(session, messages.find(message_id), message_id, checkpoint)


def _attempt(
    session: Session,
    message: EmailMessage | None,
    message_id: uuid.UUID,
    checkpoint: Callable[[], None] | None,
) -> Delivery:
    if message is None:
        log.warning("email_message_missing", message_id=str(message_id))
        return Delivery("missing")
    if message.state in (MessageState.SENT, MessageState.FAILED):
        return Delivery(message.state)
    settings = email_settings(session)
    message.attempts += 1
    try:
        config = effective_config(session, message.tenant_id)
        if config is None:
            # Outside production the message stays readable (sealed) in the operators'
            # outbox, so a reset or an invitation can be followed without a mail server.
            local = runtime_of(session).settings.environment != "production"
            return _fail(
                session,
                message,
                "no SMTP server is configured: the tenant has none, nor has the platform "
                "(set one in the admin API or ORION_MODULES__EMAIL__SMTP_HOST)"
                + ("; kept in the operators' outbox" if local else ""),
                keep_body=local,
            )
        mime = smtp.build_mime(config, _outgoing(session, message, config))
    except (DeliveryFailed, SecretUnreadable) as exc:
        return _fail(session, message, exc.message)
    message.state = MessageState.SENDING.value
    message.sent_via = config.source.value
    session.flush()
    if checkpoint is not None:
        checkpoint()
    try:
        smtp.send(config, mime, timeout=settings.timeout_seconds, ca_file=settings.ca_file)
    except DeliveryFailed as exc:
        return _fail(session, message, exc.message)
    except DeliveryDeferred as exc:
        if message.attempts >= settings.max_attempts:
            return _fail(
                session, message, f"gave up after {message.attempts} attempts: {exc.message}"
            )
        message.state = MessageState.QUEUED.value
        message.last_error = exc.message
        session.flush()
        log.info("email_deferred", message_id=str(message.id), reason=exc.message)
        return Delivery(MessageState.QUEUED.value, retry=exc)
    message.state = MessageState.SENT.value
    message.sent_at = utcnow()
    message.last_error = None
    message.smtp_message_id = str(mime["Message-ID"])[:255]
    _forget_body(message)
    session.flush()
    publish(
        session,
        MessageSent(
            tenant_id=message.tenant_id,
            message_id=message.id,
            template=message.template,
            attempts=message.attempts,
        ),
    )
    return Delivery(MessageState.SENT.value)


def _outgoing(session: Session, message: EmailMessage, config: SmtpConfig) -> smtp.Outgoing:
    text, html = message.body_text, message.body_html
    if message.sensitive:
        box = runtime_of(session).secrets
        try:
            text = box.decrypt(text)
            html = box.decrypt(html) if html is not None else None
        except SecretDecryptionError:
            raise SecretUnreadable(
                "the message body cannot be decrypted: the encryption key that sealed it is "
                "no longer configured"
            ) from None
    return smtp.Outgoing(
        to=message.to_address,
        subject=message.subject,
        body_text=text,
        body_html=html,
        from_name=config.from_name,
        reference=str(message.id),
    )


def _fail(
    session: Session, message: EmailMessage, reason: str, *, keep_body: bool = False
) -> Delivery:
    message.state = MessageState.FAILED.value
    message.last_error = reason[:4000]
    if not keep_body:
        _forget_body(message)
    session.flush()
    log.warning("email_failed", message_id=str(message.id), reason=reason)
    publish(
        session,
        MessageFailed(
            tenant_id=message.tenant_id,
            message_id=message.id,
            template=message.template,
            attempts=message.attempts,
            reason=message.last_error,
        ),
    )
    return Delivery(MessageState.FAILED.value)


def _forget_body(message: EmailMessage) -> None:
    # A one-time link is only for the recipient: once the message is out (or given up
    # on) the stored copy goes.
    if message.sensitive:
        message.body_text = ""
        message.body_html = None


def requeue_stale(session: Session) -> dict[str, int]:
    """Send again the messages whose task was lost (broker down at commit, a worker gone,
    the module switched off for a while); give up on those waiting for two days."""
    now = utcnow()
    counts = {"requeued": 0, "expired": 0}
    with all_tenants(session):
        for message in EmailMessageRepository(session).stale(now - STALE_AFTER, limit=500):
            if message.created_at < now - EXPIRE_AFTER:
                _fail(session, message, f"not sent within {EXPIRE_AFTER.days} days; gave up")
                counts["expired"] += 1
                continue
            message.updated_at = now
            enqueue(session, SEND_TASK, tenant_id=message.tenant_id, message_id=message.id)
            counts["requeued"] += 1
        session.flush()
    return counts
