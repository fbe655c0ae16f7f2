"""Mail sent on other modules' events (after commit, through the outbox).

The handlers are registered by event name in the definition. Events of optional modules
the email module does not require (credits) are typed by the fields read here, not by
importing their classes: email runs without credits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.runtime import runtime_of
from orion.modules.auth.events import PasswordResetRequested
from orion.modules.email.exceptions import InvalidRecipient
from orion.modules.email.repository import EmailConfigRepository, EmailMessageRepository
from orion.modules.email.services.outbox import queue_email
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.events import InvitationCreated, TenantDeleted

log = structlog.get_logger(__name__)

ROLE_LABELS = {"tenant_admin": "an administrator", "staff": "a staff member", "user": "a user"}
CREDITS_DEPLETED = "credits.depleted"


class CreditsAlert(Protocol):
    """What `credits.balance_low` (with its `threshold`) and `credits.depleted` carry."""

    name: str
    tenant_id: uuid.UUID | None
    balance: int


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


def on_credits_low(session: Session, event: CreditsAlert) -> None:
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
    template = "credits_depleted" if event.name == CREDITS_DEPLETED else "credits_low"
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
    with acting_for(session, TenantContext(tenant_id=event.deleted_tenant_id)):
        EmailConfigRepository(session).delete_all()
        EmailMessageRepository(session).delete_all()


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
