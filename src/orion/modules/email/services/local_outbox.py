"""Where mail goes: the kernel's `mail_delivery` extension point (would a tenant's mail be
sent now, or why not) and the operators' outbox page (every message recorded, with its
state and the links it carries).

Outside production, a message that could not leave because no SMTP server is configured
keeps its (sealed) body, so an operator can follow a password reset or an invitation end
to end in a demo; in production a one-time link is never shown to anyone but its
recipient.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from orion.kernel.contract.points import MailRoute
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.runtime import runtime_of
from orion.kernel.security import SecretDecryptionError
from orion.modules.email.exceptions import SecretUnreadable
from orion.modules.email.models import EmailMessage
from orion.modules.email.repository import EmailMessageRepository
from orion.modules.email.schemas import ConfigSource, MessageState
from orion.modules.email.services.config import effective_config, platform_of
from orion.modules.email.services.outbox import NEWEST_FIRST

OUTBOX_PATH = "/console/platform/email/outbox"
SETTINGS_PATH = "/console/email/"  # a tenant's own SMTP server
NO_SERVER = (
    "no SMTP server is configured (neither the tenant's own, its platform's default nor "
    "ORION_MODULES__EMAIL__SMTP_HOST)"
)
SOURCES = {
    ConfigSource.TENANT: "the tenant's own server",
    ConfigSource.PLATFORM: "the platform's default server",
    ConfigSource.SETTINGS: "the deployment's default server",
}
LINK = re.compile(r"https?://[^\s<>\"')]+")


def mail_route(session: Session, tenant: TenantContext | None) -> MailRoute:
    """Kernel extension point `mail_delivery`: how mail for `tenant` (None: platform mail,
    such as password resets) would leave if it were queued now."""
    runtime = runtime_of(session)
    tenant_id = tenant.tenant_id if tenant is not None else None
    if tenant_id is not None:
        platform_id = tenant.platform_id or platform_of(session, tenant_id)  # type: ignore[union-attr]
        if not runtime.modules.is_enabled(
            session, "email", platform_id=platform_id, tenant_id=tenant_id
        ):
            with all_tenants(session):
                name = runtime.directory.name_of(session, tenant_id) or "this tenant"
            # The mail is not even written: nothing reaches the outbox.
            return MailRoute(sends=False, reason=f"the email module is off for {name}")
    settings = SETTINGS_PATH if tenant_id is not None else None
    try:
        config = effective_config(session, tenant_id)
    except SecretUnreadable as exc:
        return MailRoute(sends=False, reason=exc.message, outbox=OUTBOX_PATH, settings=settings)
    if config is None:
        kept = OUTBOX_PATH if keeps_local_copy(session) else None
        return MailRoute(sends=False, reason=NO_SERVER, outbox=kept, settings=settings)
    server = f"{config.host}:{config.port}, {SOURCES.get(config.source, config.source)}"
    return MailRoute(sends=True, server=server, outbox=OUTBOX_PATH, settings=settings)


def keeps_local_copy(session: Session) -> bool:
    """Whether mail that found no SMTP server stays readable in the outbox (not in
    production)."""
    return runtime_of(session).settings.environment != "production"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One recorded message as the operators' outbox shows it."""

    id: uuid.UUID
    created_at: datetime
    tenant_id: uuid.UUID | None
    tenant_name: str | None  # None: platform mail
    to: str
    subject: str
    template: str
    state: str
    attempts: int
    last_error: str | None
    sent_via: str | None
    sent_at: datetime | None
    body: str | None  # the text body, when it may be shown
    body_note: str | None  # why it is not shown
    links: tuple[str, ...]


def outbox_entries(
    session: Session,
    *,
    page: Page,
    state: MessageState | None = None,
    to: str | None = None,
) -> tuple[list[OutboxEntry], int]:
    """Every message recorded (every tenant's and the platform's), newest first, with the
    links of the bodies that may be shown."""
    messages = EmailMessageRepository(session)
    where = [EmailMessage.to_address.contains(to.strip().lower())] if to and to.strip() else []
    with all_tenants(session):
        rows, count = messages.page(messages.in_state(*where, state=state), page, NEWEST_FIRST)
    runtime = runtime_of(session)
    names: dict[uuid.UUID, str | None] = {}
    with all_tenants(session):
        for row in rows:
            if row.tenant_id is not None and row.tenant_id not in names:
                names[row.tenant_id] = runtime.directory.name_of(session, row.tenant_id)
    local = keeps_local_copy(session)
    entries = []
    for row in rows:
        body, note = _body(session, row, local=local)
        entries.append(
            OutboxEntry(
                id=row.id,
                created_at=row.created_at,
                tenant_id=row.tenant_id,
                tenant_name=names.get(row.tenant_id) if row.tenant_id else None,
                to=row.to_address,
                subject=row.subject,
                template=row.template,
                state=row.state,
                attempts=row.attempts,
                last_error=row.last_error,
                sent_via=row.sent_via,
                sent_at=row.sent_at,
                body=body,
                body_note=note,
                links=tuple(dict.fromkeys(LINK.findall(body or ""))),
            )
        )
    return entries, count


def _body(session: Session, message: EmailMessage, *, local: bool) -> tuple[str | None, str | None]:
    if not message.sensitive:
        return message.body_text, None
    if not message.body_text:
        return None, "It carried a one-time link: the copy was dropped once it was handed over."
    if not local:
        return None, "It carries a one-time link: only its recipient may read it."
    try:
        return runtime_of(session).secrets.decrypt(message.body_text), None
    except SecretDecryptionError:
        return None, "Sealed with an encryption key that is no longer configured."
