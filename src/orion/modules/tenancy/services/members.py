"""Members of a tenant and their roles; what each role grants. A tenant always keeps a
tenant_admin."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.contract.modules import Registry
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.principals import revoke_after_commit
from orion.modules.auth import services as auth
from orion.modules.tenancy.events import MemberAdded, MemberRemoved
from orion.modules.tenancy.exceptions import AlreadyMember, LastTenantAdmin, UserNotFound
from orion.modules.tenancy.models import Membership
from orion.modules.tenancy.repository import (
    MembershipRepository,
    StoreRepository,
    TenantRepository,
)
from orion.modules.tenancy.schemas import (
    ROLES,
    MembershipPublic,
    MembershipsPublic,
    MembershipUpdate,
    RolePermissionPublic,
    RolePublic,
)
from orion.modules.tenancy.services.common import (
    TENANT_ADMIN,
    as_uuids,
    check_role,
    insert_unique,
    invalid,
)

# -- roles ---------------------------------------------------------------------------------------


def role_permissions(registry: Registry, role: str) -> frozenset[str]:
    """Every permission whose default roles include `role`; a tenant_admin holds them all."""
    permissions = registry.permissions()
    if role == TENANT_ADMIN:
        return frozenset(permissions)
    return frozenset(code for code, permission in permissions.items() if role in permission.roles)


def list_roles(registry: Registry) -> list[RolePublic]:
    """The tenant roles, each with the permissions it grants (`role_permissions`: from the
    installed modules' definitions) and their descriptions, by permission code."""
    permissions = registry.permissions()
    return [
        RolePublic(
            role=role,  # type: ignore[arg-type]
            permissions=[
                RolePermissionPublic(code=code, description=permissions[code].description)
                for code in sorted(role_permissions(registry, role))
            ],
        )
        for role in ROLES
    ]


# -- members -------------------------------------------------------------------------------------


def check_store_ids(
    session: Session,
    role: str,
    store_ids: Iterable[uuid.UUID] | None,
    *,
    field: str = "store_ids",
) -> list[str] | None:
    """Stored form of a member's store limit: ids of the acting tenant's stores, or None
    (every store)."""
    if store_ids is None:
        return None
    if role == TENANT_ADMIN:
        raise invalid(field, "a tenant_admin sees every store; leave store_ids null")
    wanted = list(dict.fromkeys(store_ids))
    known = StoreRepository(session).known(wanted)
    unknown = [str(s) for s in wanted if s not in known]
    if unknown:
        raise invalid(field, f"not stores of this tenant: {', '.join(unknown)}")
    return [str(s) for s in wanted]


def member_public(session: Session, membership: Membership, user: Any = None) -> MembershipPublic:
    user = user if user is not None else auth.get_user(session, membership.user_id)
    return MembershipPublic(
        id=membership.id,
        tenant_id=membership.tenant_id,
        user_id=membership.user_id,
        email=getattr(user, "email", None),
        full_name=getattr(user, "full_name", None),
        role=membership.role,
        store_ids=as_uuids(membership.store_ids),
        created_at=membership.created_at,
    )


def _already_member(**extra: Any) -> AlreadyMember:
    return AlreadyMember(
        "the user is already a member of this tenant",
        errors=[FieldError("email", "already a member of this tenant", "unique")],
        **extra,
    )


def add_member(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID,
    role: str,
    store_ids: Iterable[uuid.UUID] | None = None,
) -> Membership:
    """Give a user a role in the tenant (optionally limited to some of its stores)."""
    check_role(role)
    if auth.get_user(session, user_id) is None:
        raise UserNotFound(
            f"user {user_id} not found", errors=[FieldError("user_id", "unknown user")]
        )
    with acting_for(session, tenant):
        stored_ids = check_store_ids(session, role, store_ids)
        existing = MembershipRepository(session).id_of(user_id)
        if existing is not None:
            raise _already_member(membership_id=str(existing))
        membership = Membership(user_id=user_id, role=role, store_ids=stored_ids)
        insert_unique(session, membership, _already_member)
        publish(session, MemberAdded(tenant_id=tenant.tenant_id, user_id=user_id, role=role))
    # The user's default tenant may be this one now: forget whom they were signed in as.
    revoke_after_commit(session, users=[user_id])
    return membership


def add_member_by_email(
    session: Session,
    tenant: TenantContext,
    *,
    email: str,
    role: str,
    store_ids: Iterable[uuid.UUID] | None = None,
) -> Membership:
    user = auth.get_user_by_email(session, email)
    if user is None:
        raise UserNotFound(
            f"no user has the email {email}; invite them instead",
            errors=[FieldError("email", "no user has this email")],
        )
    return add_member(session, tenant, user_id=user.id, role=role, store_ids=store_ids)


def list_members(
    session: Session, tenant: TenantContext, *, page: Page | None = None
) -> tuple[list[MembershipPublic], int]:
    with acting_for(session, tenant):
        rows, count = MembershipRepository(session).page(None, page, Membership.created_at)
    users = auth.get_users(session, {m.user_id for m in rows})
    return [member_public(session, m, users.get(m.user_id)) for m in rows], count


def members_listing(
    session: Session, tenant: TenantContext, *, page: Page | None = None
) -> MembershipsPublic:
    """The list route's page: membership rows, each user's email and name looked up once for
    the page (auth's users)."""

    def with_users(rows: list[dict[str, Any]]) -> None:
        users = auth.get_users(session, {row["user_id"] for row in rows})
        for row in rows:
            user = users.get(row["user_id"])
            row["email"] = getattr(user, "email", None)
            row["full_name"] = getattr(user, "full_name", None)

    with acting_for(session, tenant):
        return MembershipRepository(session).listing(
            MembershipsPublic,
            None,
            page,
            Membership.created_at,
            columns={"email": None, "full_name": None},
            derive=with_users,
        )


def admin_addresses(session: Session, tenant: TenantContext) -> list[str]:
    """The email addresses of the tenant's active admins (for mail about the account)."""
    with acting_for(session, tenant):
        user_ids = MembershipRepository(session).user_ids_with_role(TENANT_ADMIN)
    users = auth.get_users(session, user_ids)
    return sorted(user.email for user in users.values() if user.is_active)


def get_member(session: Session, tenant: TenantContext, membership_id: uuid.UUID) -> Membership:
    with acting_for(session, tenant):
        return MembershipRepository(session).get(membership_id)


def _ensure_another_admin(session: Session, tenant: TenantContext, membership: Membership) -> None:
    if membership.role != TENANT_ADMIN:
        return
    TenantRepository(session).lock(tenant.tenant_id)
    if MembershipRepository(session).count_with_role(TENANT_ADMIN) <= 1:
        raise LastTenantAdmin(
            "this is the tenant's last tenant_admin; make another member tenant_admin first",
            membership_id=str(membership.id),
        )


def update_member(
    session: Session, tenant: TenantContext, membership_id: uuid.UUID, *, data: MembershipUpdate
) -> Membership:
    """Change a member's role and/or store limit; the tenant always keeps a tenant_admin."""
    with acting_for(session, tenant):
        membership = MembershipRepository(session).get(membership_id)
        role = membership.role
        if "role" in data.model_fields_set and data.role is not None:
            role = check_role(data.role)
        if "store_ids" in data.model_fields_set:
            store_ids = check_store_ids(session, role, data.store_ids)
        elif role == TENANT_ADMIN:
            store_ids = None  # an admin sees every store
        else:
            store_ids = membership.store_ids
        if role != membership.role and membership.role == TENANT_ADMIN:
            _ensure_another_admin(session, tenant, membership)
        membership.role = role
        membership.store_ids = store_ids
        session.flush()
    revoke_after_commit(session, users=[membership.user_id])
    return membership


def remove_member(session: Session, tenant: TenantContext, membership_id: uuid.UUID) -> None:
    with acting_for(session, tenant):
        members = MembershipRepository(session)
        membership = members.get(membership_id)
        _ensure_another_admin(session, tenant, membership)
        user_id = membership.user_id
        members.delete(membership)
        publish(session, MemberRemoved(tenant_id=tenant.tenant_id, user_id=user_id))
    revoke_after_commit(session, users=[user_id])
