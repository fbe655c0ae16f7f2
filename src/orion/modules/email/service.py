"""Email business logic: SMTP configurations, queueing templated mail, delivering it.

Public surface for other modules: `queue_email(session, *, tenant_id, to, template,
context)` renders a template (see rendering.py) and queues the message; it is sent by the
`email.send_message` task once the caller's transaction commits.

Which server sends a message: the tenant's own configuration, else its platform's default
(set by an operator), else the deployment default (ORION_MODULES__EMAIL__SMTP_*). Platform
mail (tenant_id None, e.g. password resets) starts at the platform default.

Functions take the session first; they flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page, paginate
from orion.kernel.data.tenancy import CrossTenantWrite, TenantContext, all_tenants, get_tenant
from orion.kernel.errors import FieldError, NotFound, TooManyRequests
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.tasks import enqueue
from orion.kernel.security import SecretDecryptionError
from orion.modules.auth.events import PasswordResetRequested
from orion.modules.core import service as core
from orion.modules.credits.events import BalanceLow, Depleted
from orion.modules.email import smtp
from orion.modules.email.events import MessageFailed, MessageSent
from orion.modules.email.exceptions import (
    DeliveryDeferred,
    DeliveryFailed,
    EmailConfigNotFound,
    EmailMessageNotFound,
    InvalidRecipient,
    SecretUnreadable,
)
from orion.modules.email.models import EmailConfig, EmailMessage, PlatformEmailConfig, SmtpServer
from orion.modules.email.rendering import environment, render
from orion.modules.email.schemas import (
    ConfigSource,
    EmailConfigPublic,
    EmailConfigUpdate,
    MessageState,
    normalize_address,
)
from orion.modules.email.schemas import EmailConfig as SmtpConfig
from orion.modules.email.settings import EmailSettings, settings_from
from orion.modules.tenancy import service as tenancy
from orion.modules.tenancy.events import InvitationCreated, TenantDeleted

log = structlog.get_logger(__name__)

SEND_TASK = "email.send_message"
ROLE_LABELS = {"tenant_admin": "an administrator", "staff": "a staff member", "user": "a user"}


def email_settings(session: Session) -> EmailSettings:
    """The deployment's email settings (validated at start-up by the kernel)."""
    return settings_from(runtime_of(session).settings.modules.get("email"))


# -- a tenant's own SMTP server --------------------------------------------------------------


def find_config(session: Session, tenant: TenantContext) -> EmailConfig | None:
    return session.scalar(select(EmailConfig).where(EmailConfig.tenant_id == tenant.tenant_id))


def get_config(session: Session, tenant: TenantContext) -> EmailConfig:
    config = find_config(session, tenant)
    if config is None:
        raise EmailConfigNotFound(
            "this tenant has no SMTP server of its own; its mail goes through the "
            "platform's default server"
        )
    return config


def put_config(session: Session, tenant: TenantContext, *, data: EmailConfigUpdate) -> EmailConfig:
    """Create or replace the tenant's SMTP server; the password is kept unless given."""
    config = find_config(session, tenant)
    if config is None:
        config = EmailConfig(tenant_id=tenant.tenant_id)
        session.add(config)
    _apply(session, config, data)
    session.flush()
    return config


def delete_config(session: Session, tenant: TenantContext) -> None:
    """Forget the tenant's server: its mail goes through the platform default again."""
    session.delete(get_config(session, tenant))
    session.flush()


# -- a platform's default SMTP server ---------------------------------------------------------


def find_platform_config(session: Session, platform_id: uuid.UUID) -> PlatformEmailConfig | None:
    return session.scalar(
        select(PlatformEmailConfig).where(PlatformEmailConfig.platform_id == platform_id)
    )


def platform_default(session: Session, platform_id: uuid.UUID) -> EmailConfigPublic:
    """What the platform's mail goes through: the stored default, else the deployment's."""
    config = find_platform_config(session, platform_id)
    if config is not None:
        return public_config(config, ConfigSource.PLATFORM)
    settings = email_settings(session)
    default = settings.default_config()
    if default is None:
        raise EmailConfigNotFound(
            "no default SMTP server: store one here or set ORION_MODULES__EMAIL__SMTP_HOST"
        )
    return EmailConfigPublic(
        **default.model_dump(exclude={"password", "source"}),
        has_password=default.password is not None,
        source=ConfigSource.SETTINGS,
    )


def put_platform_config(
    session: Session, platform_id: uuid.UUID, *, data: EmailConfigUpdate
) -> PlatformEmailConfig:
    tenancy.get_platform(session, platform_id)  # 404 for a platform that does not exist
    config = find_platform_config(session, platform_id)
    if config is None:
        config = PlatformEmailConfig(platform_id=platform_id)
        session.add(config)
    _apply(session, config, data)
    session.flush()
    return config


def delete_platform_config(session: Session, platform_id: uuid.UUID) -> None:
    config = find_platform_config(session, platform_id)
    if config is None:
        raise EmailConfigNotFound("the platform has no stored SMTP server")
    session.delete(config)
    session.flush()


def public_config(config: SmtpServer, source: ConfigSource) -> EmailConfigPublic:
    return EmailConfigPublic(
        host=config.host,
        port=config.port,
        username=config.username,
        tls_mode=config.tls_mode,
        from_address=config.from_address,
        from_name=config.from_name,
        has_password=config.has_password,
        source=source,
        updated_at=getattr(config, "updated_at", None),
    )


def _apply(session: Session, config: SmtpServer, data: EmailConfigUpdate) -> None:
    config.host = data.host
    config.port = data.port
    config.username = data.username
    config.tls_mode = data.tls_mode.value
    config.from_address = data.from_address
    config.from_name = data.from_name
    if data.password is not None:
        secret = data.password.get_secret_value()
        config.password_encrypted = runtime_of(session).secrets.encrypt(secret) if secret else None


# -- which server sends ------------------------------------------------------------------------


def platform_of(session: Session, tenant_id: uuid.UUID | None) -> uuid.UUID:
    """The platform a tenant belongs to; platform mail belongs to the default platform."""
    runtime = runtime_of(session)
    if tenant_id is not None:
        current = get_tenant(session)
        if current is not None and current.tenant_id == tenant_id and current.platform_id:
            return current.platform_id
        with all_tenants(session):
            platform_id = runtime.directory.platform_of(session, tenant_id)
        if platform_id is not None:
            return platform_id
    return runtime.directory.default_platform_id(session)


def effective_config(session: Session, tenant_id: uuid.UUID | None) -> SmtpConfig | None:
    """The configuration a message of `tenant_id` is sent with, password decrypted."""
    if tenant_id is not None:
        own = session.scalar(select(EmailConfig).where(EmailConfig.tenant_id == tenant_id))
        if own is not None:
            return _usable(session, own, ConfigSource.TENANT)
    stored = find_platform_config(session, platform_of(session, tenant_id))
    if stored is not None:
        return _usable(session, stored, ConfigSource.PLATFORM)
    return email_settings(session).default_config()


def _usable(session: Session, config: SmtpServer, source: ConfigSource) -> SmtpConfig:
    password = None
    if config.password_encrypted is not None:
        try:
            password = runtime_of(session).secrets.decrypt(config.password_encrypted)
        except SecretDecryptionError:
            raise SecretUnreadable(
                f"the {source} SMTP password cannot be decrypted: the encryption key that "
                "sealed it is no longer configured; store the password again"
            ) from None
    return SmtpConfig(
        host=config.host,
        port=config.port,
        username=config.username,
        password=password,
        tls_mode=config.tls_mode,
        from_address=config.from_address,
        from_name=config.from_name,
        source=source,
    )


# -- queueing ------------------------------------------------------------------------------


def queue_email(
    session: Session,
    *,
    tenant_id: uuid.UUID | None,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    sensitive: bool = False,
) -> EmailMessage:
    """Render `template` for `to` and queue it; it is sent after the transaction commits.

    `tenant_id` None is platform mail. The context is completed with `to`, `platform_name`,
    `base_url`, `tenant_name` and `sender_name` unless it gives them. `sensitive` mail
    (one-time links) keeps its body encrypted until sent, then drops it.
    """
    try:
        address = normalize_address(to)
    except ValueError:
        raise InvalidRecipient(
            f"{to!r} is not a valid email address",
            errors=[FieldError("to", "not a valid email address")],
        ) from None
    runtime = runtime_of(session)
    values = {**_base_context(session, tenant_id), "to": address, **(context or {})}
    values.setdefault("sender_name", values.get("tenant_name") or values["platform_name"])
    rendered = render(environment(runtime), template, values)
    message = EmailMessage(
        tenant_id=tenant_id,
        to_address=address,
        subject=rendered.subject,
        template=template,
        body_text=rendered.text,
        body_html=rendered.html,
        sensitive=sensitive,
        state=MessageState.QUEUED.value,
        attempts=0,
    )
    if sensitive:
        message.body_text = runtime.secrets.encrypt(rendered.text)
        if rendered.html is not None:
            message.body_html = runtime.secrets.encrypt(rendered.html)
    with _writing(session, tenant_id):
        session.add(message)
        session.flush()
    enqueue(session, SEND_TASK, tenant_id=tenant_id, message_id=message.id)
    return message


def send_test(session: Session, tenant: TenantContext | None, *, to: str) -> EmailMessage:
    """Queue a test message through the tenant's server (the platform's when None).

    A tenant may send `test_sends_per_hour` of them: the endpoint mails any address, and
    must not become a way to send mail through the platform's server.
    """
    tenant_id = tenant.tenant_id if tenant else None
    if tenant_id is not None:
        limit = email_settings(session).test_sends_per_hour
        since = utcnow() - timedelta(hours=1)
        sent = session.scalar(
            select(func.count(EmailMessage.id)).where(
                EmailMessage.tenant_id == tenant_id,
                EmailMessage.template == "test",
                EmailMessage.created_at > since,
            )
        )
        if (sent or 0) >= limit:
            raise TooManyRequests(
                f"at most {limit} test messages an hour; try again later", retry_after=600
            )
    return queue_email(session, tenant_id=tenant_id, to=to, template="test")


def _base_context(session: Session, tenant_id: uuid.UUID | None) -> dict[str, Any]:
    runtime = runtime_of(session)
    platform_id = platform_of(session, tenant_id)
    try:
        platform_name = str(core.get_setting(session, platform_id, "platform.name").value)
    except NotFound:
        platform_name = email_settings(session).from_name
    values: dict[str, Any] = {
        "platform_name": platform_name,
        "base_url": runtime.settings.base_url.rstrip("/"),
        "tenant_name": None,
    }
    if tenant_id is not None:
        values["tenant_name"] = tenant_name(session, tenant_id)
    return values


def tenant_name(session: Session, tenant_id: uuid.UUID) -> str | None:
    try:
        return tenancy.get_tenant_record(session, tenant_id).name
    except NotFound:
        return None


@contextmanager
def _writing(session: Session, tenant_id: uuid.UUID | None) -> Iterator[None]:
    """Write a message of `tenant_id` from any session: a tenant's session writes its own
    tenant's mail; platform mail, or mail written by platform code, lifts the filter."""
    current = get_tenant(session)
    if tenant_id is not None and current is not None:
        if current.tenant_id != tenant_id:
            raise CrossTenantWrite("an email message belongs to another tenant")
        yield
        return
    session.flush()  # what else is pending is written under the usual tenant checks
    with all_tenants(session):
        yield


# -- delivery ------------------------------------------------------------------------------


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
    """Try to send one message and record the outcome on it.

    `checkpoint` is called once the attempt is recorded and before the SMTP conversation
    (the send task passes `session.commit`), so no database lock is held while talking to
    a remote server. Safe to repeat: a message sent or failed for good is left alone.
    """
    platform = tenant_id is None
    with all_tenants(session) if platform else nullcontext():
        query = select(EmailMessage).where(EmailMessage.id == message_id)
        query = query.where(
            EmailMessage.tenant_id.is_(None) if platform else EmailMessage.tenant_id == tenant_id
        )
        message = session.scalar(query)
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
                raise DeliveryFailed(
                    "no SMTP server is configured: the tenant has none, nor has the platform "
                    "(set one in the admin API or ORION_MODULES__EMAIL__SMTP_HOST)"
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


def _fail(session: Session, message: EmailMessage, reason: str) -> Delivery:
    message.state = MessageState.FAILED.value
    message.last_error = reason[:4000]
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


STALE_AFTER = timedelta(minutes=30)  # longer than the longest retry backoff (10 minutes)
EXPIRE_AFTER = timedelta(days=2)


def requeue_stale(session: Session) -> dict[str, int]:
    """Send again the messages whose task was lost (broker down at commit, a worker gone,
    the module switched off for a while); give up on those waiting for two days."""
    now = utcnow()
    counts = {"requeued": 0, "expired": 0}
    with all_tenants(session):
        stale = session.scalars(
            select(EmailMessage)
            .where(
                EmailMessage.state.in_([MessageState.QUEUED.value, MessageState.SENDING.value]),
                EmailMessage.updated_at < now - STALE_AFTER,
            )
            .order_by(EmailMessage.created_at)
            .limit(500)
        ).all()
        for message in stale:
            if message.created_at < now - EXPIRE_AFTER:
                _fail(session, message, f"not sent within {EXPIRE_AFTER.days} days; gave up")
                counts["expired"] += 1
                continue
            message.updated_at = now
            enqueue(session, SEND_TASK, tenant_id=message.tenant_id, message_id=message.id)
            counts["requeued"] += 1
        session.flush()
    return counts


# -- reading messages ----------------------------------------------------------------------


def list_messages(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    state: MessageState | None = None,
) -> tuple[list[EmailMessage], int]:
    """The tenant's messages, newest first."""
    return _page(session, page, EmailMessage.tenant_id == tenant.tenant_id, state=state)


def get_message(session: Session, tenant: TenantContext, message_id: uuid.UUID) -> EmailMessage:
    message = session.scalar(
        select(EmailMessage).where(
            EmailMessage.id == message_id, EmailMessage.tenant_id == tenant.tenant_id
        )
    )
    if message is None:
        raise EmailMessageNotFound(f"email message {message_id} not found")
    return message


def list_all_messages(
    session: Session,
    *,
    page: Page,
    tenant_id: uuid.UUID | None = None,
    platform_only: bool = False,
    state: MessageState | None = None,
) -> tuple[list[EmailMessage], int]:
    """Platform operators: every tenant's messages and the platform's own, newest first."""
    where = []
    if platform_only:
        where.append(EmailMessage.tenant_id.is_(None))
    elif tenant_id is not None:
        where.append(EmailMessage.tenant_id == tenant_id)
    with all_tenants(session):
        return _page(session, page, *where, state=state)


def get_any_message(session: Session, message_id: uuid.UUID) -> EmailMessage:
    with all_tenants(session):
        message = session.get(EmailMessage, message_id)
    if message is None:
        raise EmailMessageNotFound(f"email message {message_id} not found")
    return message


def _page(
    session: Session, page: Page, *where: Any, state: MessageState | None = None
) -> tuple[list[EmailMessage], int]:
    conditions = list(where)
    if state is not None:
        conditions.append(EmailMessage.state == state.value)
    query = select(EmailMessage).where(*conditions)
    return paginate(session, query, page, EmailMessage.created_at.desc(), EmailMessage.id)


# -- keys ----------------------------------------------------------------------------------


def rotate_secrets(session: Session) -> int:
    """Re-encrypt every stored SMTP password (and every sealed body still waiting to be
    sent) with the newest encryption key; return how many secrets were re-encrypted.

    The `secret_rotation` extension point: `orion keys rotate` calls it.
    """
    box = runtime_of(session).secrets
    count = 0

    def rotate(value: str, what: str) -> str:
        try:
            return box.rotate(value)
        except SecretDecryptionError:
            raise SecretUnreadable(
                f"{what}: no configured encryption key opens it; put the key that sealed it "
                "back in ORION_ENCRYPTION_KEYS (or store that password again) and retry"
            ) from None

    with all_tenants(session):
        configs: list[SmtpServer] = [
            *session.scalars(
                select(EmailConfig).where(EmailConfig.password_encrypted.is_not(None))
            ),
            *session.scalars(
                select(PlatformEmailConfig).where(
                    PlatformEmailConfig.password_encrypted.is_not(None)
                )
            ),
        ]
        for config in configs:
            assert config.password_encrypted is not None
            label = f"{type(config).__tablename__} {config.id}"  # type: ignore[attr-defined]
            config.password_encrypted = rotate(config.password_encrypted, label)
            count += 1
        sealed = session.scalars(
            select(EmailMessage).where(
                EmailMessage.sensitive.is_(True),
                EmailMessage.state.in_([MessageState.QUEUED.value, MessageState.SENDING.value]),
            )
        )
        for message in sealed:
            label = f"email_message {message.id}"
            message.body_text = rotate(message.body_text, label)
            if message.body_html is not None:
                message.body_html = rotate(message.body_html, label)
            count += 1
        session.flush()
    return count


# -- event handlers (after commit) -----------------------------------------------------------


def on_invitation_created(session: Session, event: InvitationCreated) -> None:
    """tenancy.invitation_created: mail the invitee the accept link, for that tenant."""
    base_url = runtime_of(session).settings.base_url.rstrip("/")
    _queue_from_event(
        session,
        tenant_id=event.tenant_id,
        to=event.email,
        template="invitation",
        context={
            "tenant_name": event.tenant_name,
            "role": event.role,
            "role_label": ROLE_LABELS.get(event.role, event.role),
            "invited_by_email": event.invited_by_email,
            "accept_url": (
                f"{base_url}/console/invitations/accept?token={quote(event.token, safe='')}"
            ),
            "expires_at": _when(event.expires_at),
        },
    )


def on_password_reset_requested(session: Session, event: PasswordResetRequested) -> None:
    """auth.password_reset_requested: mail the reset link through the platform default."""
    base_url = runtime_of(session).settings.base_url.rstrip("/")
    _queue_from_event(
        session,
        tenant_id=None,
        to=event.email,
        template="password_reset",
        context={
            "reset_url": f"{base_url}/console/password-reset?token={quote(event.token, safe='')}",
            "expires_at": _when(event.expires_at),
        },
    )


def on_credits_low(session: Session, event: BalanceLow | Depleted) -> None:
    """credits.balance_low / credits.depleted: tell the tenant's admins, through the
    tenant's own mail settings."""
    assert event.tenant_id is not None
    tenant = runtime_of(session).tenant_context(session, event.tenant_id)
    base_url = runtime_of(session).settings.base_url.rstrip("/")
    context = {
        "balance": event.balance,
        "threshold": getattr(event, "threshold", None),
        "credits_url": f"{base_url}/console/credits/",
    }
    template = "credits_depleted" if isinstance(event, Depleted) else "credits_low"
    with all_tenants(session):
        addresses = tenancy.admin_addresses(session, tenant)
    for address in addresses:
        _queue_from_event(
            session,
            tenant_id=tenant.tenant_id,
            to=address,
            template=template,
            context=context,
            sensitive=False,
        )


def on_tenant_deleted(session: Session, event: TenantDeleted) -> None:
    """tenancy.tenant_deleted: drop the tenant's SMTP server and its messages."""
    tenant_id = event.deleted_tenant_id
    with all_tenants(session):
        session.execute(delete(EmailConfig).where(EmailConfig.tenant_id == tenant_id))
        session.execute(delete(EmailMessage).where(EmailMessage.tenant_id == tenant_id))


def _queue_from_event(
    session: Session, *, tenant_id: uuid.UUID | None, sensitive: bool = True, **kwargs: Any
) -> None:
    try:
        queue_email(session, tenant_id=tenant_id, sensitive=sensitive, **kwargs)
    except InvalidRecipient as exc:
        # Retrying cannot make the address valid: record it and let the event go.
        log.warning("email_not_queued", reason=exc.message, template=kwargs.get("template"))


def _when(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
