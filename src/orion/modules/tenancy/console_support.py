"""What tenancy's console pages share: saying what became of an invitation's mail, and the
labels people read instead of codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from orion.kernel.contract.points import MAIL_DELIVERY
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.web.console import PageContext

ROLES = (("user", "User"), ("staff", "Staff"), ("tenant_admin", "Tenant admin"))
ROLE_LABELS = dict(ROLES)


def role_label(role: str | None) -> str:
    return ROLE_LABELS.get(role or "", (role or "").replace("_", " "))


@dataclass(frozen=True, slots=True)
class InvitationSent:
    """What the inviter is told once: whether a mail went, and the link either way."""

    email: str
    link: str
    mailed: bool  # queued for an SMTP server
    headline: str
    next_step: str
    outbox: str | None = None  # operators: where the recorded message is read
    mail_settings: str | None = None  # a tenant admin: where to set a server up


def accept_link(page: PageContext, token: str) -> str:
    base_url = page.runtime.settings.base_url.rstrip("/")
    return f"{base_url}/console/invitations/accept?token={quote(token, safe='')}"


def invitation_sent(
    page: PageContext,
    session: Session,
    tenant: TenantContext,
    *,
    email: str,
    token: str,
    expires_at: datetime,
) -> InvitationSent:
    """Say what happened to the invitation mail: queued for sending, or not mailed and why
    (no email module, the module off for the tenant, no SMTP server); the link is shown in
    every case, to pass on by hand."""
    route_of = page.runtime.registry.provider(MAIL_DELIVERY)
    route = route_of(session, tenant) if route_of is not None else None
    until = _day(expires_at)
    link = accept_link(page, token)
    operator = page.principal is not None and page.principal.is_superadmin
    if route is not None and route.sends:
        return InvitationSent(
            email=email,
            link=link,
            mailed=True,
            headline=f"Invitation queued for sending to {email} through {route.server}.",
            next_step=f"If it does not arrive, pass this link on yourself; it works once, "
            f"until {until}:",
            outbox=route.outbox if operator else None,
        )
    reason = route.reason if route is not None else "no email module is installed"
    can_set_up = route is not None and route.settings is not None and not operator
    return InvitationSent(
        email=email,
        link=link,
        mailed=False,
        headline=f"Invitation created for {email}, but not mailed: {reason}.",
        next_step=f"Copy this link and send it to {email} yourself; it works once, until {until}:",
        outbox=route.outbox if operator and route is not None else None,
        mail_settings=route.settings if can_set_up and route is not None else None,
    )


def _day(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
