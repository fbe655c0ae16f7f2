"""Platforms, tenants, stores, memberships and invitations; the kernel's tenant directory and
membership resolver.

Functions take the session first, then the tenant they act for, then keyword-only options;
they flush, never commit. Work on a tenant's rows runs in that tenant's context
(`_scoped`): the kernel filters every query to it, stamps new rows with it and, on
PostgreSQL, row-level security holds the same line. Operators reach a tenant's rows by
naming the tenant; nothing here reads across tenants except the directory itself.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.contract.modules import Registry
from orion.kernel.contract.points import CREDIT_BALANCE
from orion.kernel.contract.principal import Membership as MemberStanding
from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page, paginate
from orion.kernel.data.tenancy import TenantContext, all_tenants, get_tenant, set_tenant
from orion.kernel.errors import FieldError, OrionError, ValidationFailed
from orion.kernel.runtime import Runtime, runtime_of
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.limits import check_limit
from orion.kernel.runtime.models import ModuleState
from orion.kernel.security import hash_token, new_token
from orion.modules.auth import service as auth
from orion.modules.tenancy.events import (
    InvitationCreated,
    MemberAdded,
    MemberRemoved,
    TenantCreated,
    TenantDeleted,
)
from orion.modules.tenancy.exceptions import (
    AlreadyMember,
    DefaultPlatformProtected,
    InvitationAccountDisabled,
    InvitationExpired,
    InvitationNotFound,
    InvitationPasswordMismatch,
    InvitationPending,
    InvitationRevoked,
    InvitationUsed,
    LastTenantAdmin,
    MemberNotFound,
    PlatformCodeTaken,
    PlatformNotEmpty,
    PlatformNotFound,
    StoreCodeTaken,
    StoreNotFound,
    TenantNotFound,
    TenantSlugTaken,
    UserNotFound,
)
from orion.modules.tenancy.models import Invitation, Membership, Platform, Store, Tenant
from orion.modules.tenancy.schemas import (
    ROLES,
    InvitationAccept,
    InvitationAccepted,
    MembershipPublic,
    MembershipUpdate,
    MyTenantPublic,
    PlatformCreate,
    PlatformUpdate,
    RolePermissionPublic,
    RolePublic,
    StoreCreate,
    StoreUpdate,
    TenantAdminUpdate,
    TenantCreate,
    TenantInvitationCreate,
    TenantInvitationPublic,
    TenantMemberSummary,
    TenantOverviewPublic,
    TenantPublic,
    TenantUpdate,
    TenantWithBalancePublic,
)
from orion.modules.tenancy.settings import TenancySettings

TENANT_ADMIN = "tenant_admin"
DEFAULT_PLATFORM_CODE = "default"
DEFAULT_PLATFORM_NAME = "Default platform"


def _settings(session: Session) -> TenancySettings:
    return TenancySettings.model_validate(runtime_of(session).settings.modules.get("tenancy", {}))


# -- acting for a tenant -----------------------------------------------------------------------


@contextmanager
def _scoped(session: Session, tenant: TenantContext) -> Iterator[None]:
    """Run the block in `tenant`'s context, then give the session back its own."""
    current = get_tenant(session)
    if current is not None and current.tenant_id == tenant.tenant_id:
        yield
        return
    set_tenant(session, tenant)
    try:
        yield
    except BaseException:
        with suppress(Exception):  # after a database error the transaction is lost anyway
            _restore(session, current)
        raise
    _restore(session, current)


def _restore(session: Session, tenant: TenantContext | None) -> None:
    set_tenant(session, tenant)
    # set_tenant(None) leaves the transaction's setting; platform code sees all again.
    if (
        tenant is None
        and session.in_transaction()
        and session.get_bind().dialect.name == "postgresql"
    ):
        session.execute(text("SELECT set_config('orion.tenant_id', '', true)"))


def _lock_tenant(session: Session, tenant_id: uuid.UUID) -> None:
    """Serialise changes that check a tenant-wide rule (the last admin, pending invitations)."""
    session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())


def _insert(session: Session, row: Any, conflict: Callable[[], OrionError]) -> None:
    """Add and flush `row`; a unique key taken meanwhile by a concurrent request answers
    `conflict()` (the checks before catch the usual case with a clear message)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise conflict() from None


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", errors=[FieldError(field, message)])


def _check_role(role: str, *, field: str = "role") -> str:
    if role not in ROLES:
        raise _invalid(field, f"unknown role {role!r}; one of {', '.join(ROLES)}")
    return role


def _page(page: Page | None) -> Page:
    return page or Page()


# -- roles and the kernel's extension points ---------------------------------------------------


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


class TenantDirectory:
    """Kernel extension point `tenant_directory`."""

    def default_platform_id(self, session: Session) -> uuid.UUID:
        return DEFAULT_PLATFORM_ID

    def platform_of(self, session: Session, tenant_id: uuid.UUID) -> uuid.UUID | None:
        return session.scalar(select(Tenant.platform_id).where(Tenant.id == tenant_id))

    def tenants(
        self, session: Session, platform_id: uuid.UUID | None = None
    ) -> list[TenantContext]:
        """The active tenants (a suspended tenant's scheduled work does not run)."""
        query = select(Tenant.id, Tenant.platform_id).where(Tenant.is_active.is_(True))
        if platform_id is not None:
            query = query.where(Tenant.platform_id == platform_id)
        rows = session.execute(query.order_by(Tenant.created_at, Tenant.id)).all()
        return [TenantContext(tenant_id, platform) for tenant_id, platform in rows]

    def name_of(self, session: Session, tenant_id: uuid.UUID) -> str | None:
        return session.scalar(select(Tenant.name).where(Tenant.id == tenant_id))


class MembershipResolver:
    """Kernel extension point `memberships`: a user's role and permissions in a tenant."""

    def membership(
        self, session: Session, user_id: uuid.UUID, tenant_id: uuid.UUID | None
    ) -> MemberStanding | None:
        query = (
            select(Membership.tenant_id, Membership.role, Membership.store_ids, Tenant.platform_id)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user_id, Tenant.is_active.is_(True))
        )
        if tenant_id is not None:
            query = query.where(Membership.tenant_id == tenant_id)
        with all_tenants(session):
            row = session.execute(
                query.order_by(Membership.created_at, Membership.id).limit(1)
            ).first()
        if row is None:
            return None
        member_tenant, role, store_ids, platform_id = row
        return MemberStanding(
            tenant=TenantContext(member_tenant, platform_id),
            role=role,
            permissions=role_permissions(runtime_of(session).registry, role),
            store_ids=None if store_ids is None else frozenset(uuid.UUID(s) for s in store_ids),
        )


directory = TenantDirectory()
memberships = MembershipResolver()


# -- platforms ----------------------------------------------------------------------------------


def list_platforms(session: Session, *, page: Page | None = None) -> tuple[list[Platform], int]:
    page = _page(page)
    count = session.scalar(select(func.count(Platform.id))) or 0
    rows = session.scalars(
        select(Platform)
        .order_by(Platform.created_at, Platform.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return list(rows), count


def get_platform(session: Session, platform_id: uuid.UUID) -> Platform:
    platform = session.scalar(select(Platform).where(Platform.id == platform_id))
    if platform is None:
        raise PlatformNotFound(f"platform {platform_id} not found", platform_id=str(platform_id))
    return platform


def create_platform(session: Session, *, data: PlatformCreate) -> Platform:
    def taken() -> PlatformCodeTaken:
        return PlatformCodeTaken(
            f"a platform with code {data.code!r} exists",
            errors=[FieldError("code", "already taken", "unique")],
        )

    if session.scalar(select(Platform.id).where(Platform.code == data.code)) is not None:
        raise taken()
    platform = Platform(code=data.code, name=data.name, settings=data.settings)
    _insert(session, platform, taken)
    return platform


def platform_by_code(session: Session, code: str) -> Platform:
    platform = session.scalar(select(Platform).where(Platform.code == code))
    if platform is None:
        raise PlatformNotFound(f"no platform has the code {code!r}", code=code)
    return platform


def update_platform(session: Session, platform_id: uuid.UUID, *, data: PlatformUpdate) -> Platform:
    platform = get_platform(session, platform_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "settings"):
        if changes.get(field) is not None:
            setattr(platform, field, changes[field])
    session.flush()
    return platform


def delete_platform(session: Session, platform_id: uuid.UUID) -> None:
    platform = get_platform(session, platform_id)
    if platform.id == DEFAULT_PLATFORM_ID:
        raise DefaultPlatformProtected("the default platform cannot be deleted")
    if session.scalar(select(Tenant.id).where(Tenant.platform_id == platform.id).limit(1)):
        raise PlatformNotEmpty(
            f"platform {platform.code} still has tenants; delete or move them first"
        )
    session.execute(delete(ModuleState).where(ModuleState.platform_id == platform.id))
    session.delete(platform)
    session.flush()


def ensure_default_platform(session: Session) -> Platform:
    """The default platform (the migration inserts it; this repairs a database without it)."""
    platform = session.scalar(select(Platform).where(Platform.id == DEFAULT_PLATFORM_ID))
    if platform is None:
        platform = Platform(
            id=DEFAULT_PLATFORM_ID,
            code=DEFAULT_PLATFORM_CODE,
            name=DEFAULT_PLATFORM_NAME,
            settings={},
        )
        session.add(platform)
        session.flush()
    return platform


# -- tenants ----------------------------------------------------------------------------------


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:90].strip("-")
    return slug or "tenant"


def _slug_taken(
    session: Session, platform_id: uuid.UUID, slug: str, *, other_than: uuid.UUID | None = None
) -> bool:
    query = select(Tenant.id).where(Tenant.platform_id == platform_id, Tenant.slug == slug)
    if other_than is not None:
        query = query.where(Tenant.id != other_than)
    return session.scalar(query.limit(1)) is not None


def _slug_conflict(slug: str) -> TenantSlugTaken:
    return TenantSlugTaken(
        f"a tenant with slug {slug!r} exists on this platform",
        errors=[FieldError("slug", "already taken on this platform", "unique")],
    )


def create_tenant(session: Session, platform_id: uuid.UUID, *, data: TenantCreate) -> Tenant:
    get_platform(session, platform_id)
    if data.slug is not None:
        slug = data.slug
        if _slug_taken(session, platform_id, slug):
            raise _slug_conflict(slug)
    else:
        base = slug = slugify(data.name)
        suffix = 1
        while _slug_taken(session, platform_id, slug):
            suffix += 1
            slug = f"{base}-{suffix}"
    tenant = Tenant(platform_id=platform_id, name=data.name, slug=slug, is_active=data.is_active)
    _insert(session, tenant, lambda: _slug_conflict(slug))
    publish(
        session,
        TenantCreated(tenant_id=tenant.id, platform_id=platform_id, tenant_name=tenant.name),
    )
    return tenant


def with_balance(session: Session, tenant: Tenant) -> TenantWithBalancePublic:
    """The tenant with its credit balance, from whichever module provides the kernel's
    `credit_balance` (credits, when installed); None without one or without an account."""
    balance_of = runtime_of(session).registry.provider(CREDIT_BALANCE)
    public = TenantWithBalancePublic.model_validate(tenant)
    if balance_of is not None:
        public.balance = balance_of(session, tenant.id)
    return public


def get_tenant_record(session: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.id == tenant_id))
    if tenant is None:
        raise TenantNotFound(f"tenant {tenant_id} not found", tenant_id=str(tenant_id))
    return tenant


def tenant_context(session: Session, tenant_id: uuid.UUID) -> TenantContext:
    tenant = get_tenant_record(session, tenant_id)
    return TenantContext(tenant.id, tenant.platform_id)


def find_tenant(session: Session, platform_id: uuid.UUID, slug: str) -> Tenant | None:
    return session.scalar(
        select(Tenant).where(Tenant.platform_id == platform_id, Tenant.slug == slug)
    )


def update_tenant(
    session: Session, tenant_id: uuid.UUID, *, data: TenantUpdate | TenantAdminUpdate
) -> Tenant:
    tenant = get_tenant_record(session, tenant_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    slug = changes.get("slug")
    if slug is not None and _slug_taken(session, tenant.platform_id, slug, other_than=tenant.id):
        raise _slug_conflict(slug)
    for field, value in changes.items():
        setattr(tenant, field, value)
    session.flush()
    return tenant


def delete_tenant(session: Session, tenant_id: uuid.UUID) -> None:
    """Remove a tenant with its stores, memberships, invitations and module switches."""
    tenant = get_tenant_record(session, tenant_id)
    context = TenantContext(tenant.id, tenant.platform_id)
    with _scoped(session, context):
        for model in (Invitation, Membership, Store):
            session.execute(delete(model).where(model.tenant_id == tenant.id))
    session.execute(delete(ModuleState).where(ModuleState.tenant_id == tenant.id))
    session.delete(tenant)
    session.flush()
    publish(session, TenantDeleted(deleted_tenant_id=tenant.id, platform_id=tenant.platform_id))


def list_tenants(
    session: Session,
    *,
    platform_id: uuid.UUID | None = None,
    search: str | None = None,
    page: Page | None = None,
) -> tuple[list[Tenant], int]:
    page = _page(page)
    query = select(Tenant)
    if platform_id is not None:
        query = query.where(Tenant.platform_id == platform_id)
    if search:
        # autoescape: a search for "50%" or "a_b" matches those characters, not a pattern.
        term = search.lower()
        query = query.where(
            or_(
                func.lower(Tenant.name).contains(term, autoescape=True),
                Tenant.slug.contains(term, autoescape=True),
            )
        )
    return paginate(session, query, page, Tenant.created_at, Tenant.id)


def tenant_overviews(session: Session, tenants: Sequence[Tenant]) -> list[TenantOverviewPublic]:
    """Operators' view: each tenant with its members and enabled modules."""
    if not tenants:
        return []
    ids = [t.id for t in tenants]
    with all_tenants(session):
        rows = session.scalars(
            select(Membership)
            .where(Membership.tenant_id.in_(ids))
            .order_by(Membership.created_at, Membership.id)
        ).all()
    users = _users(session, {m.user_id for m in rows})
    members: dict[uuid.UUID, list[TenantMemberSummary]] = {tenant_id: [] for tenant_id in ids}
    for m in rows:
        user = users.get(m.user_id)
        members[m.tenant_id].append(
            TenantMemberSummary(
                user_id=m.user_id,
                email=getattr(user, "email", None),
                full_name=getattr(user, "full_name", None),
                role=m.role,
                store_ids=_uuids(m.store_ids),
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
    with all_tenants(session):
        rows = session.execute(
            select(Membership.role, Tenant)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user_id, Tenant.is_active.is_(True))
            .order_by(Membership.created_at, Membership.id)
        ).all()
    return [
        MyTenantPublic(
            tenant_id=t.id, platform_id=t.platform_id, name=t.name, slug=t.slug, role=role
        )
        for role, t in rows
    ]


# -- stores -------------------------------------------------------------------------------------


def _store_query(tenant: TenantContext, visible: frozenset[uuid.UUID] | None) -> Any:
    query = select(Store).where(Store.tenant_id == tenant.tenant_id)
    if visible is not None:
        query = query.where(Store.id.in_(visible))
    return query


def list_stores(
    session: Session,
    tenant: TenantContext,
    *,
    visible: frozenset[uuid.UUID] | None = None,
    page: Page | None = None,
) -> tuple[list[Store], int]:
    """The tenant's stores; `visible` limits them to a member's stores (None: every one)."""
    page = _page(page)
    query = _store_query(tenant, visible)
    with _scoped(session, tenant):
        return paginate(session, query, page, Store.created_at, Store.id)


def list_all_stores(
    session: Session, *, search: str | None = None, page: Page | None = None
) -> tuple[list[tuple[Store, str]], int]:
    """Operators: every tenant's stores with their tenant's name, by tenant then store."""
    query = select(Store, Tenant.name).join(Tenant, Tenant.id == Store.tenant_id)
    if search:
        term = search.strip().lower()  # matched literally (autoescape), "%" and "_" too
        query = query.where(
            or_(
                func.lower(Store.name).contains(term, autoescape=True),
                Store.code.contains(term, autoescape=True),
                func.lower(Tenant.name).contains(term, autoescape=True),
            )
        )
    page = _page(page)
    with all_tenants(session):
        count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(Tenant.name, Store.name, Store.id).limit(page.limit).offset(page.offset)
        ).all()
    return [(store, tenant_name) for store, tenant_name in rows], count


def get_store(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    *,
    visible: frozenset[uuid.UUID] | None = None,
) -> Store:
    with _scoped(session, tenant):
        store = session.scalar(_store_query(tenant, visible).where(Store.id == store_id))
    if store is None:
        raise StoreNotFound(f"store {store_id} not found", store_id=str(store_id))
    return store


def _store_code_taken(
    session: Session, tenant: TenantContext, code: str, *, other_than: uuid.UUID | None = None
) -> None:
    query = select(Store.id).where(Store.tenant_id == tenant.tenant_id, Store.code == code)
    if other_than is not None:
        query = query.where(Store.id != other_than)
    if session.scalar(query.limit(1)) is not None:
        raise _store_code_conflict(code)


def _store_code_conflict(code: str) -> StoreCodeTaken:
    return StoreCodeTaken(
        f"the tenant has a store with code {code!r}",
        errors=[FieldError("code", "already taken in this tenant", "unique")],
    )


def create_store(session: Session, tenant: TenantContext, *, data: StoreCreate) -> Store:
    """Create a store; refused (402 plan_limit_reached) when the tenant's plan, if a module
    provides `usage_limits` (billing), allows no more stores."""
    with _scoped(session, tenant):
        _store_code_taken(session, tenant, data.code)
        # Serialised per tenant, so two stores created at once cannot both take the last slot.
        _lock_tenant(session, tenant.tenant_id)
        stores = session.scalar(
            select(func.count(Store.id)).where(Store.tenant_id == tenant.tenant_id)
        )
        check_limit(session, tenant, "stores", current=stores or 0)
        store = Store(
            tenant_id=tenant.tenant_id, name=data.name, code=data.code, is_active=data.is_active
        )
        _insert(session, store, lambda: _store_code_conflict(data.code))
    return store


def update_store(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    *,
    data: StoreUpdate,
    visible: frozenset[uuid.UUID] | None = None,
) -> Store:
    with _scoped(session, tenant):
        store = get_store(session, tenant, store_id, visible=visible)
        changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
        if "code" in changes:
            _store_code_taken(session, tenant, changes["code"], other_than=store.id)
        for field, value in changes.items():
            setattr(store, field, value)
        session.flush()
    return store


def delete_store(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    *,
    visible: frozenset[uuid.UUID] | None = None,
) -> None:
    """Delete a store; members and invitations limited to it lose it from their list."""
    with _scoped(session, tenant):
        store = get_store(session, tenant, store_id, visible=visible)
        gone = str(store.id)
        for model in (Membership, Invitation):
            for row in session.scalars(
                select(model).where(
                    model.tenant_id == tenant.tenant_id, model.store_ids.is_not(None)
                )
            ):
                if row.store_ids and gone in row.store_ids:  # JSON null reads as None
                    row.store_ids = [s for s in row.store_ids if s != gone]
        session.delete(store)
        session.flush()


# -- memberships ---------------------------------------------------------------------------------


def _uuids(values: Iterable[str] | None) -> list[uuid.UUID] | None:
    return None if values is None else [uuid.UUID(v) for v in values]


def _check_store_ids(
    session: Session,
    tenant: TenantContext,
    role: str,
    store_ids: Iterable[uuid.UUID] | None,
    *,
    field: str = "store_ids",
) -> list[str] | None:
    """Stored form of a member's store limit: ids of this tenant's stores, or None (all)."""
    if store_ids is None:
        return None
    if role == TENANT_ADMIN:
        raise _invalid(field, "a tenant_admin sees every store; leave store_ids null")
    wanted = list(dict.fromkeys(store_ids))
    known = set(
        session.scalars(
            select(Store.id).where(Store.tenant_id == tenant.tenant_id, Store.id.in_(wanted))
        )
    )
    unknown = [str(s) for s in wanted if s not in known]
    if unknown:
        raise _invalid(field, f"not stores of this tenant: {', '.join(unknown)}")
    return [str(s) for s in wanted]


def _users(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    return auth.get_users(session, user_ids)


def member_public(session: Session, membership: Membership, user: Any = None) -> MembershipPublic:
    user = user if user is not None else auth.get_user(session, membership.user_id)
    return MembershipPublic(
        id=membership.id,
        tenant_id=membership.tenant_id,
        user_id=membership.user_id,
        email=getattr(user, "email", None),
        full_name=getattr(user, "full_name", None),
        role=membership.role,
        store_ids=_uuids(membership.store_ids),
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
    _check_role(role)
    if auth.get_user(session, user_id) is None:
        raise UserNotFound(
            f"user {user_id} not found", errors=[FieldError("user_id", "unknown user")]
        )
    with _scoped(session, tenant):
        stored_ids = _check_store_ids(session, tenant, role, store_ids)
        existing = session.scalar(
            select(Membership.id).where(
                Membership.tenant_id == tenant.tenant_id, Membership.user_id == user_id
            )
        )
        if existing is not None:
            raise _already_member(membership_id=str(existing))
        membership = Membership(
            tenant_id=tenant.tenant_id, user_id=user_id, role=role, store_ids=stored_ids
        )
        _insert(session, membership, _already_member)
        publish(session, MemberAdded(tenant_id=tenant.tenant_id, user_id=user_id, role=role))
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
    page = _page(page)
    query = select(Membership).where(Membership.tenant_id == tenant.tenant_id)
    with _scoped(session, tenant):
        rows, count = paginate(session, query, page, Membership.created_at, Membership.id)
    users = _users(session, {m.user_id for m in rows})
    return [member_public(session, m, users.get(m.user_id)) for m in rows], count


def admin_addresses(session: Session, tenant: TenantContext) -> list[str]:
    """The email addresses of the tenant's active admins (for mail about the account)."""
    with _scoped(session, tenant):
        user_ids = session.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == tenant.tenant_id, Membership.role == TENANT_ADMIN
            )
        ).all()
    users = _users(session, user_ids)
    return sorted(user.email for user in users.values() if user.is_active)


def get_member(session: Session, tenant: TenantContext, membership_id: uuid.UUID) -> Membership:
    with _scoped(session, tenant):
        membership = session.scalar(
            select(Membership).where(
                Membership.tenant_id == tenant.tenant_id, Membership.id == membership_id
            )
        )
    if membership is None:
        raise MemberNotFound(f"member {membership_id} not found", membership_id=str(membership_id))
    return membership


def _ensure_another_admin(session: Session, tenant: TenantContext, membership: Membership) -> None:
    if membership.role != TENANT_ADMIN:
        return
    _lock_tenant(session, tenant.tenant_id)
    admins = session.scalar(
        select(func.count(Membership.id)).where(
            Membership.tenant_id == tenant.tenant_id, Membership.role == TENANT_ADMIN
        )
    )
    if (admins or 0) <= 1:
        raise LastTenantAdmin(
            "this is the tenant's last tenant_admin; make another member tenant_admin first",
            membership_id=str(membership.id),
        )


def update_member(
    session: Session, tenant: TenantContext, membership_id: uuid.UUID, *, data: MembershipUpdate
) -> Membership:
    """Change a member's role and/or store limit; the tenant always keeps a tenant_admin."""
    with _scoped(session, tenant):
        membership = get_member(session, tenant, membership_id)
        role = membership.role
        if "role" in data.model_fields_set and data.role is not None:
            role = _check_role(data.role)
        if "store_ids" in data.model_fields_set:
            store_ids = _check_store_ids(session, tenant, role, data.store_ids)
        elif role == TENANT_ADMIN:
            store_ids = None  # an admin sees every store
        else:
            store_ids = membership.store_ids
        if role != membership.role and membership.role == TENANT_ADMIN:
            _ensure_another_admin(session, tenant, membership)
        membership.role = role
        membership.store_ids = store_ids
        session.flush()
    return membership


def remove_member(session: Session, tenant: TenantContext, membership_id: uuid.UUID) -> None:
    with _scoped(session, tenant):
        membership = get_member(session, tenant, membership_id)
        _ensure_another_admin(session, tenant, membership)
        user_id = membership.user_id
        session.delete(membership)
        session.flush()
        publish(session, MemberRemoved(tenant_id=tenant.tenant_id, user_id=user_id))


# -- invitations ----------------------------------------------------------------------------------


def invitation_status(invitation: Invitation, now: datetime | None = None) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= (now or utcnow()):
        return "expired"
    return "pending"


def invitation_public(invitation: Invitation) -> TenantInvitationPublic:
    return TenantInvitationPublic(
        id=invitation.id,
        tenant_id=invitation.tenant_id,
        email=invitation.email,
        role=invitation.role,
        store_ids=_uuids(invitation.store_ids),
        expires_at=invitation.expires_at,
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
        invited_by=invitation.invited_by,
        created_at=invitation.created_at,
        status=invitation_status(invitation),  # type: ignore[arg-type]
    )


def create_invitation(
    session: Session,
    tenant: TenantContext,
    *,
    data: TenantInvitationCreate,
    invited_by: uuid.UUID | None = None,
) -> tuple[Invitation, str]:
    """Invite an email with a role; return the invitation and its one-time token.

    The token is kept only as a hash; `tenancy.invitation_created` carries it to the mail.
    """
    email = str(data.email).strip().lower()
    role = _check_role(data.role)
    record = get_tenant_record(session, tenant.tenant_id)
    now = utcnow()
    with _scoped(session, tenant):
        store_ids = _check_store_ids(session, tenant, role, data.store_ids)
        _lock_tenant(session, tenant.tenant_id)
        user = auth.get_user_by_email(session, email)
        if user is not None and session.scalar(
            select(Membership.id).where(
                Membership.tenant_id == tenant.tenant_id, Membership.user_id == user.id
            )
        ):
            raise AlreadyMember(
                f"{email} is already a member of this tenant",
                errors=[FieldError("email", "already a member of this tenant", "unique")],
            )
        pending = session.scalar(
            select(Invitation.id).where(
                Invitation.tenant_id == tenant.tenant_id,
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        )
        if pending is not None:
            raise InvitationPending(
                f"{email} has a pending invitation; revoke it to invite again",
                errors=[FieldError("email", "has a pending invitation", "unique")],
                invitation_id=str(pending),
            )
        token, token_hash = new_token("inv")
        invitation = Invitation(
            tenant_id=tenant.tenant_id,
            email=email,
            role=role,
            store_ids=store_ids,
            token_hash=token_hash,
            expires_at=now + timedelta(days=_settings(session).invitation_days),
            invited_by=invited_by,
        )
        session.add(invitation)
        session.flush()
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
    page = _page(page)
    now = utcnow()
    query = select(Invitation).where(Invitation.tenant_id == tenant.tenant_id)
    if status == "pending":
        query = query.where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    elif status == "accepted":
        query = query.where(Invitation.accepted_at.is_not(None))
    elif status == "revoked":
        query = query.where(Invitation.revoked_at.is_not(None), Invitation.accepted_at.is_(None))
    elif status == "expired":
        query = query.where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at <= now,
        )
    with _scoped(session, tenant):
        return paginate(session, query, page, Invitation.created_at.desc(), Invitation.id)


def get_invitation(session: Session, tenant: TenantContext, invitation_id: uuid.UUID) -> Invitation:
    with _scoped(session, tenant):
        invitation = session.scalar(
            select(Invitation).where(
                Invitation.tenant_id == tenant.tenant_id, Invitation.id == invitation_id
            )
        )
    if invitation is None:
        raise InvitationNotFound(
            f"invitation {invitation_id} not found", invitation_id=str(invitation_id)
        )
    return invitation


def revoke_invitation(
    session: Session, tenant: TenantContext, invitation_id: uuid.UUID
) -> Invitation:
    with _scoped(session, tenant):
        invitation = get_invitation(session, tenant, invitation_id)
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
    with all_tenants(session):
        invitation = session.scalar(
            select(Invitation)
            .where(Invitation.token_hash == hash_token(data.token))
            .with_for_update()
        )
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
    record = get_tenant_record(session, invitation.tenant_id)
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
    with _scoped(session, tenant):
        add_member(
            session,
            tenant,
            user_id=user.id,
            role=invitation.role,
            store_ids=_uuids(invitation.store_ids),
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


# -- demo data ----------------------------------------------------------------------------------

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - printed by `orion demo` on purpose
DEMO_OPERATOR = "operator@orion.test"
DEMO_TENANTS = (
    ("Acme Coffee", "acme-coffee", "acme", ("Acme Coffee Roastery", "roastery")),
    ("Bistro Lux", "bistro-lux", "bistro", ("Bistro Lux Downtown", "downtown")),
)


def demo_tenants(session: Session) -> list[TenantContext]:
    """The tenants `orion demo` made (for other modules' demo data)."""
    found = (find_tenant(session, DEFAULT_PLATFORM_ID, slug) for _, slug, _, _ in DEMO_TENANTS)
    return [TenantContext(t.id, t.platform_id) for t in found if t is not None]


def _demo_user(session: Session, email: str, *, full_name: str, superadmin: bool = False) -> Any:
    user = auth.get_user_by_email(session, email)
    if user is None:
        user = auth.create_user(
            session,
            email=email,
            password=DEMO_PASSWORD,
            full_name=full_name,
            is_superadmin=superadmin,
        )
    return user


def seed_demo(session: Session, runtime: Runtime) -> None:
    """`orion demo`: two tenants with a store, an admin and a staff member each, and an
    operator. Running it again adds nothing; the logins are listed in
    `runtime.extras["demo_logins"]`."""
    ensure_default_platform(session)
    logins: list[str] = runtime.extras.setdefault("demo_logins", [])

    def login(line: str) -> None:
        if line not in logins:
            logins.append(line)

    _demo_user(session, DEMO_OPERATOR, full_name="Platform Operator", superadmin=True)
    login(f"{DEMO_OPERATOR} / {DEMO_PASSWORD} (superadmin)")
    for name, slug, mail, (store_name, store_code) in DEMO_TENANTS:
        record = find_tenant(session, DEFAULT_PLATFORM_ID, slug)
        if record is None:
            record = create_tenant(
                session, DEFAULT_PLATFORM_ID, data=TenantCreate(name=name, slug=slug)
            )
        tenant = TenantContext(record.id, record.platform_id)
        with _scoped(session, tenant):
            store = session.scalar(
                select(Store).where(Store.tenant_id == tenant.tenant_id, Store.code == store_code)
            )
            if store is None:
                store = create_store(
                    session, tenant, data=StoreCreate(name=store_name, code=store_code)
                )
            for role, who in ((TENANT_ADMIN, "admin"), ("staff", "staff")):
                email = f"{who}@{mail}.test"
                user = _demo_user(session, email, full_name=f"{name} {who.title()}")
                member = session.scalar(
                    select(Membership.id).where(
                        Membership.tenant_id == tenant.tenant_id, Membership.user_id == user.id
                    )
                )
                if member is None:
                    add_member(
                        session,
                        tenant,
                        user_id=user.id,
                        role=role,
                        store_ids=[store.id] if role == "staff" else None,
                    )
                login(f"{email} / {DEMO_PASSWORD} ({role}, {name})")
