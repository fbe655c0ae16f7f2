"""The outbox of messages: queueing templated mail, and reading what was queued.

`queue_email(session, *, tenant_id, to, template, context)` renders a template (see
rendering.py) and queues the message; the `email.send_message` task sends it once the
caller's transaction commits.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.errors import FieldError, NotFound, TooManyRequests
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.tasks import enqueue
from orion.modules.core import service as core
from orion.modules.email.exceptions import InvalidRecipient
from orion.modules.email.models import EmailMessage
from orion.modules.email.rendering import environment, render
from orion.modules.email.repository import EmailMessageRepository
from orion.modules.email.schemas import EmailMessagesPublic, MessageState, normalize_address
from orion.modules.email.services.config import email_settings, platform_of, tenant_for
from orion.modules.tenancy import services as tenancy

SEND_TASK = "email.send_message"

NEWEST_FIRST = EmailMessage.created_at.desc()


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
    if tenant_id is None:
        session.flush()  # what else is pending is written under the usual tenant checks
        # Platform mail belongs to no tenant, whichever tenant the session acts for.
        with all_tenants(session):
            EmailMessageRepository(session).add(message)
    else:
        with acting_for(session, tenant_for(session, tenant_id)):
            EmailMessageRepository(session).add(message)
    enqueue(session, SEND_TASK, tenant_id=tenant_id, message_id=message.id)
    return message


def send_test(session: Session, tenant: TenantContext | None, *, to: str) -> EmailMessage:
    """Queue a test message through the tenant's server (the platform's when None).

    A tenant may send `test_sends_per_hour` of them: the endpoint mails any address, and
    must not become a way to send mail through the platform's server.
    """
    if tenant is None:
        return queue_email(session, tenant_id=None, to=to, template="test")
    limit = email_settings(session).test_sends_per_hour
    with acting_for(session, tenant):
        if EmailMessageRepository(session).tests_since(utcnow() - timedelta(hours=1)) >= limit:
            raise TooManyRequests(
                f"at most {limit} test messages an hour; try again later", retry_after=600
            )
        return queue_email(session, tenant_id=tenant.tenant_id, to=to, template="test")


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


# -- reading messages ----------------------------------------------------------------------


def list_messages(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    state: MessageState | None = None,
) -> tuple[list[EmailMessage], int]:
    """The tenant's messages, newest first."""
    messages = EmailMessageRepository(session)
    with acting_for(session, tenant):
        return messages.page(messages.in_state(state=state), page, NEWEST_FIRST)


def get_message(session: Session, tenant: TenantContext, message_id: uuid.UUID) -> EmailMessage:
    with acting_for(session, tenant):
        return EmailMessageRepository(session).get(message_id)


def list_all_messages(
    session: Session,
    *,
    page: Page,
    tenant_id: uuid.UUID | None = None,
    platform_only: bool = False,
    state: MessageState | None = None,
) -> tuple[list[EmailMessage], int]:
    """Platform operators: every tenant's messages and the platform's own, newest first
    (one tenant's with `tenant_id`, only the platform's with `platform_only`)."""
    if tenant_id is not None and not platform_only:
        return list_messages(session, tenant_for(session, tenant_id), page=page, state=state)
    messages = EmailMessageRepository(session)
    where = [EmailMessage.tenant_id.is_(None)] if platform_only else []
    with all_tenants(session):
        return messages.page(messages.in_state(*where, state=state), page, NEWEST_FIRST)


def messages_listing(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    state: MessageState | None = None,
) -> EmailMessagesPublic:
    """The tenant's list route: its messages, newest first (`list_messages`: ORM rows)."""
    messages = EmailMessageRepository(session)
    with acting_for(session, tenant):
        return messages.listing(
            EmailMessagesPublic, messages.in_state(state=state), page, NEWEST_FIRST
        )


def all_messages_listing(
    session: Session,
    *,
    page: Page,
    tenant_id: uuid.UUID | None = None,
    platform_only: bool = False,
    state: MessageState | None = None,
) -> EmailMessagesPublic:
    """Operators' list route, as `list_all_messages` selects."""
    if tenant_id is not None and not platform_only:
        return messages_listing(session, tenant_for(session, tenant_id), page=page, state=state)
    messages = EmailMessageRepository(session)
    where = [EmailMessage.tenant_id.is_(None)] if platform_only else []
    with all_tenants(session):
        return messages.listing(
            EmailMessagesPublic, messages.in_state(*where, state=state), page, NEWEST_FIRST
        )


def get_any_message(session: Session, message_id: uuid.UUID) -> EmailMessage:
    with all_tenants(session):
        return EmailMessageRepository(session).get(message_id)
