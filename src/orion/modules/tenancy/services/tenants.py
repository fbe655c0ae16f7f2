"""Tenants (merchants): created on a platform, with a slug unique there; operators' overviews
and the tenants a user belongs to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from orion.kernel.contract.points import CREDIT_BALANCE
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.principals import revoke_after_commit
from orion.modules.auth import services as auth
from orion.modules.tenancy.events import TenantCreated, TenantDeleted
from orion.modules.tenancy.exceptions import TenantSlugTaken
from orion.modules.tenancy.models import Tenant
from orion.modules.tenancy.repository import (
    InvitationRepository,
    MembershipRepository,
    StoreRepository,
    TenantRepository,
)
from orion.modules.tenancy.schemas import (
    MyTenantPublic,
    TenantAdminUpdate,
    TenantCreate,
    TenantMemberSummary,
    TenantOverviewPublic,
    TenantOverviewsPublic,
    TenantPublic,
    TenantsPublic,
    TenantUpdate,
    TenantWithBalancePublic,
)
from orion.modules.tenancy.services.common import as_uuids, insert_unique
from orion.modules.tenancy.services.platforms import get_platform


def slugify(name: str) -> str:
    """ "Café Ünïcode & Co" -> "cafe-unicode-co": letters transliterated, not dropped."""
    from slugify import slugify as transliterated

    slug = transliterated(name, max_length=90, word_boundary=False, save_order=True)
    return slug or "tenant"


def _slug_conflict(slug: str) -> TenantSlugTaken:
    return TenantSlugTaken(
        f"a tenant with slug {slug!r} exists on this platform",
        errors=[FieldError("slug", "already taken on this platform", "unique")],
    )


def create_tenant(session: Session, platform_id: uuid.UUID, *, data: TenantCreate) -> Tenant:
    get_platform(session, platform_id)
    tenants = TenantRepository(session)
    if data.slug is not None:
        slug = data.slug
        if tenants.slug_taken(platform_id, slug):
            raise _slug_conflict(slug)
    else:
        base = slug = slugify(data.name)
        suffix = 1
        while tenants.slug_taken(platform_id, slug):
            suffix += 1
            slug = f"{base}-{suffix}"
    tenant = Tenant(platform_id=platform_id, name=data.name, slug=slug, is_active=data.is_active)
    insert_unique(session, tenant, lambda: _slug_conflict(slug))
    publish(
        session,
        TenantCreated(tenant_id=tenant.id, platform_id=platform_id, tenant_name=tenant.name),
    )
    return tenant


def get_tenant_record(session: Session, tenant_id: uuid.UUID) -> Tenant:
    return TenantRepository(session).get(tenant_id)


def tenant_context(session: Session, tenant_id: uuid.UUID) -> TenantContext:
    tenant = get_tenant_record(session, tenant_id)
    return TenantContext(tenant.id, tenant.platform_id)


def find_tenant(session: Session, platform_id: uuid.UUID, slug: str) -> Tenant | None:
    return TenantRepository(session).by_slug(platform_id, slug)


def find_tenant_named(session: Session, platform_id: uuid.UUID, name: str) -> Tenant | None:
    """A tenant of the platform with this name, whatever its letter case."""
    return TenantRepository(session).by_name(platform_id, name)


def with_balance(session: Session, tenant: Tenant) -> TenantWithBalancePublic:
    """The tenant with its credit balance, from whichever module provides the kernel's
    `credit_balance` (credits, when installed); None without one or without an account."""
    balance_of = runtime_of(session).registry.provider(CREDIT_BALANCE)
    public = TenantWithBalancePublic.model_validate(tenant)
    if balance_of is not None:
        public.balance = balance_of(session, tenant.id)
    return public


def update_tenant(
    session: Session, tenant_id: uuid.UUID, *, data: TenantUpdate | TenantAdminUpdate
) -> Tenant:
    tenants = TenantRepository(session)
    tenant = tenants.get(tenant_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    slug = changes.get("slug")
    if slug is not None and tenants.slug_taken(tenant.platform_id, slug, other_than=tenant.id):
        raise _slug_conflict(slug)
    for field, value in changes.items():
        setattr(tenant, field, value)
    session.flush()
    revoke_after_commit(session, tenants=[tenant.id])  # the console shows the tenant's name
    return tenant


def delete_tenant(session: Session, tenant_id: uuid.UUID) -> None:
    """Remove a tenant with its stores, memberships, invitations and module switches."""
    tenants = TenantRepository(session)
    tenant = tenants.get(tenant_id)
    with acting_for(session, TenantContext(tenant.id, tenant.platform_id)):
        InvitationRepository(session).delete_all()
        MembershipRepository(session).delete_all()
        StoreRepository(session).delete_all()
    tenants.drop_module_switches(tenant.id)
    tenants.delete(tenant)
    publish(session, TenantDeleted(deleted_tenant_id=tenant.id, platform_id=tenant.platform_id))
    revoke_after_commit(session, tenants=[tenant.id])


def list_tenants(
    session: Session,
    *,
    platform_id: uuid.UUID | None = None,
    search: str | None = None,
    page: Page | None = None,
) -> tuple[list[Tenant], int]:
    return TenantRepository(session).search(platform_id=platform_id, search=search, page=page)


def tenant_overviews_listing(
    session: Session,
    *,
    platform_id: uuid.UUID | None = None,
    search: str | None = None,
    page: Page | None = None,
) -> TenantOverviewsPublic:
    """Operators' list route: tenants as rows, then members and modules per tenant of the
    page (`tenant_overviews`, which nests them)."""
    tenants = TenantRepository(session)
    rows = tenants.listing(
        TenantsPublic,
        tenants.searched(platform_id=platform_id, search=search),
        page,
        Tenant.created_at,
    )
    return TenantOverviewsPublic(data=tenant_overviews(session, rows.data), count=rows.count)


def tenant_overviews(session: Session, tenants: Sequence[Tenant]) -> list[TenantOverviewPublic]:
    """Operators' view: each tenant with its members and enabled modules."""
    if not tenants:
        return []
    rows = MembershipRepository(session).in_tenants(t.id for t in tenants)
    users = auth.get_users(session, {m.user_id for m in rows})
    members: dict[uuid.UUID, list[TenantMemberSummary]] = {t.id: [] for t in tenants}
    for m in rows:
        user = users.get(m.user_id)
        members[m.tenant_id].append(
            TenantMemberSummary(
                user_id=m.user_id,
                email=getattr(user, "email", None),
                full_name=getattr(user, "full_name", None),
                role=m.role,
                store_ids=as_uuids(m.store_ids),
            )
        )
    modules = runtime_of(session).modules
    return [
        TenantOverviewPublic(
            **TenantPublic.model_validate(t).model_dump(),
            members=members[t.id],
            modules=sorted(
                modules.enabled_codes(session, platform_id=t.platform_id, tenant_id=t.id)
            ),
        )
        for t in tenants
    ]


def my_tenants(session: Session, user_id: uuid.UUID) -> list[MyTenantPublic]:
    """The active tenants a user belongs to, oldest membership first."""
    return [
        MyTenantPublic(
            tenant_id=t.id, platform_id=t.platform_id, name=t.name, slug=t.slug, role=role
        )
        for role, t in MembershipRepository(session).tenants_of(user_id)
    ]
