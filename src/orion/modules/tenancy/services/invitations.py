"""Invitations: an emailed, single-use offer to join a tenant with a role. Only a hash of the
token is kept; `tenancy.invitation_created` carries the token to the mail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError
from orion.kernel.runtime.events import publish
from orion.kernel.security import hash_token, new_token
from orion.modules.auth import services as auth
from orion.modules.tenancy.events import InvitationCreated
from orion.modules.tenancy.exceptions import (
    AlreadyMember,
    InvitationAccountDisabled,
    InvitationExpired,
    InvitationNotFound,
    InvitationPasswordMismatch,
    InvitationPending,
    InvitationRevoked,
    InvitationUsed,
    TenantNotFound,
)
from orion.modules.tenancy.models import Invitation
from orion.modules.tenancy.repository import (
    InvitationRepository,
    MembershipRepository,
    TenantRepository,
)
from orion.modules.tenancy.schemas import (
    InvitationAccept,
    InvitationAccepted,
    TenantInvitationCreate,
    TenantInvitationCreated,
    TenantInvitationPublic,
    TenantInvitationsPublic,
)
from orion.modules.tenancy.services.common import as_uuids, check_role, tenancy_settings
from orion.modules.tenancy.services.members import add_member, check_store_ids


def invitation_created(invitation: Invitation, token: str) -> TenantInvitationCreated:
    """The new invitation with its token, shown once (the invitation mail carries it too)."""
    shown = TenantInvitationPublic.model_validate(invitation).model_dump()
    return TenantInvitationCreated(**shown, accept_token=token)


def create_invitation(
    session: Session,
    tenant: TenantContext,
    *,
    data: TenantInvitationCreate,
    invited_by: uuid.UUID | None = None,
) -> tuple[Invitation, str]:
    """Invite an email with a role; return the invitation and its one-time token."""
    email = str(data.email).strip().lower()
    role = check_role(data.role)
    tenants = TenantRepository(session)
    record = tenants.get(tenant.tenant_id)
    now = utcnow()
    with acting_for(session, tenant):
        store_ids = check_store_ids(session, role, data.store_ids)
        tenants.lock(tenant.tenant_id)
        user = auth.get_user_by_email(session, email)
        if user is not None and MembershipRepository(session).id_of(user.id):
            raise AlreadyMember(
                f"{email} is already a member of this tenant",
                errors=[FieldError("email", "already a member of this tenant", "unique")],
            )
        invitations = InvitationRepository(session)
        pending = invitations.pending_id(email, now)
        if pending is not None:
            raise InvitationPending(
                f"{email} has a pending invitation; revoke it to invite again",
                errors=[FieldError("email", "has a pending invitation", "unique")],
                invitation_id=str(pending),
            )
        token, token_hash = new_token("inv")
        invitation = invitations.add(
            Invitation(
                email=email,
                role=role,
                store_ids=store_ids,
                token_hash=token_hash,
                expires_at=now + timedelta(days=tenancy_settings(session).invitation_days),
                invited_by=invited_by,
            )
        )
        inviter = auth.get_user(session, invited_by) if invited_by else None
        publish(
            session,
            InvitationCreated(
                tenant_id=tenant.tenant_id,
                invitation_id=invitation.id,
                tenant_name=record.name,
                email=email,
                role=role,
                token=token,
                expires_at=invitation.expires_at,
                invited_by_email=getattr(inviter, "email", None),
            ),
        )
    return invitation, token


def list_invitations(
    session: Session,
    tenant: TenantContext,
    *,
    status: str | None = None,
    page: Page | None = None,
) -> tuple[list[Invitation], int]:
    with acting_for(session, tenant):
        invitations = InvitationRepository(session)
        query = invitations.with_status(status, utcnow())
        return invitations.page(query, page, Invitation.created_at.desc())


def invitations_listing(
    session: Session,
    tenant: TenantContext,
    *,
    status: str | None = None,
    page: Page | None = None,
) -> TenantInvitationsPublic:
    """The list route's page: rows, each one's status by the model's own rule."""
    now = utcnow()

    status_of = Invitation.status.fget  # the model's rule, read off the row's columns

    def with_status(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["status"] = status_of(SimpleNamespace(**row))

    with acting_for(session, tenant):
        invitations = InvitationRepository(session)
        return invitations.listing(
            TenantInvitationsPublic,
            invitations.with_status(status, now),
            page,
            Invitation.created_at.desc(),
            columns={"status": None},
            derive=with_status,
        )


def get_invitation(session: Session, tenant: TenantContext, invitation_id: uuid.UUID) -> Invitation:
    with acting_for(session, tenant):
        return InvitationRepository(session).get(invitation_id)


def revoke_invitation(
    session: Session, tenant: TenantContext, invitation_id: uuid.UUID
) -> Invitation:
    with acting_for(session, tenant):
        invitation = InvitationRepository(session).get(invitation_id)
        if invitation.accepted_at is not None:
            raise InvitationUsed("the invitation was accepted already; remove the member instead")
        if invitation.revoked_at is None:
            invitation.revoked_at = utcnow()
            session.flush()
    return invitation


def accept_invitation(session: Session, *, data: InvitationAccept) -> InvitationAccepted:
    """Join the invitation's tenant (and only that one): create the account, or prove the
    existing one's password (a deactivated account is refused, 403 `account_disabled`).
    A token works once, until it expires or is revoked."""
    invitation = InvitationRepository(session).by_token_hash(hash_token(data.token))
    if invitation is None:
        raise InvitationNotFound(
            "no invitation matches this token",
            errors=[FieldError("token", "unknown invitation token")],
        )
    now = utcnow()
    if invitation.accepted_at is not None:
        raise InvitationUsed(
            "this invitation was used already", errors=[FieldError("token", "already used")]
        )
    if invitation.revoked_at is not None:
        raise InvitationRevoked(
            "this invitation was revoked", errors=[FieldError("token", "revoked")]
        )
    if invitation.expires_at <= now:
        raise InvitationExpired(
            "this invitation has expired; ask for a new one",
            errors=[FieldError("token", "expired")],
        )
    record = TenantRepository(session).get(invitation.tenant_id)
    if not record.is_active:
        raise TenantNotFound("the inviting tenant is suspended", tenant_id=str(record.id))
    tenant = TenantContext(record.id, record.platform_id)
    user = auth.get_user_by_email(session, invitation.email)
    new_user = user is None
    if user is None:
        user = auth.create_user(
            session, email=invitation.email, password=data.password, full_name=data.full_name
        )
    elif not user.is_active:
        # Before the password check: no password would help, and nothing is changed.
        raise InvitationAccountDisabled(
            f"the account {user.email} is deactivated; a platform operator must reactivate "
            "it before the invitation can be accepted"
        )
    elif auth.authenticate_password(session, invitation.email, data.password) is None:
        raise InvitationPasswordMismatch(
            "an account with this email exists; accept with its password",
            errors=[FieldError("password", "does not match the existing account")],
        )
    with acting_for(session, tenant):
        add_member(
            session,
            tenant,
            user_id=user.id,
            role=invitation.role,
            store_ids=as_uuids(invitation.store_ids),
        )
        invitation.accepted_at = now
        invitation.accepted_by = user.id
        session.flush()
    return InvitationAccepted(
        tenant_id=tenant.tenant_id,
        tenant_name=record.name,
        user_id=user.id,
        email=user.email,
        role=invitation.role,
        new_user=new_user,
    )


@dataclass(frozen=True, slots=True)
class InvitationPreview:
    """What the accept page tells the holder of a link before anything is changed.

    `status`: pending, accepted, revoked, expired, suspended (the tenant is off) or unknown
    (no invitation has this token; nothing else is then known)."""

    status: str
    email: str | None = None
    tenant_name: str | None = None
    role: str | None = None
    invited_by: str | None = None  # the inviter's name or address, None when unknown
    expires_at: datetime | None = None
    has_account: bool = False  # the invited address has an account: join with its password


def preview_invitation(session: Session, token: str) -> InvitationPreview:
    """Who invited whom to which tenant with what role, and whether the link still works;
    reads only (accepting is `accept_invitation`)."""
    invitation = InvitationRepository(session).by_token_hash(hash_token(token))
    if invitation is None:
        return InvitationPreview(status="unknown")
    record = TenantRepository(session).get(invitation.tenant_id)
    inviter = auth.get_user(session, invitation.invited_by) if invitation.invited_by else None
    status = invitation.status
    if status == "pending" and not record.is_active:
        status = "suspended"
    user = auth.get_user_by_email(session, invitation.email)
    return InvitationPreview(
        status=status,
        email=invitation.email,
        tenant_name=record.name,
        role=invitation.role,
        invited_by=(getattr(inviter, "full_name", None) or getattr(inviter, "email", None)),
        expires_at=invitation.expires_at,
        has_account=user is not None,
    )
