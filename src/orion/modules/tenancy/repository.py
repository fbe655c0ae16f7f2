"""Queries on tenancy's models.

Platforms and tenants are platform-level rows (the directory itself). Stores, memberships
and invitations are tenant-owned: their repositories run in the acting tenant's context
and the kernel filters them to it. The few reads across tenants (whose memberships a user
holds, operators' overviews) say so with `all_tenants`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, or_, select

from orion.kernel.data.paging import Page
from orion.kernel.data.repository import RepositoryBase
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.runtime.models import ModuleState
from orion.modules.tenancy.exceptions import (
    InvitationNotFound,
    MemberNotFound,
    PlatformNotFound,
    StoreNotFound,
    TenantNotFound,
)
from orion.modules.tenancy.models import Invitation, Membership, Platform, Store, Tenant


def _contains(column: Any, term: str) -> Any:
    # autoescape: a search for "50%" or "a_b" matches those characters, not a pattern.
    return column.contains(term, autoescape=True)


class PlatformRepository(RepositoryBase[Platform]):
    model = Platform
    not_found = PlatformNotFound

    def id_by_reference(self, reference: str) -> uuid.UUID | None:
        """The id of the platform whose full id or code is `reference`."""
        condition = Platform.code == reference
        as_id = _as_uuid(reference)
        if as_id is not None:
            condition = or_(condition, Platform.id == as_id)
        return self.session.scalar(select(Platform.id).where(condition).limit(1))

    def by_code(self, code: str) -> Platform | None:
        return self.first(self.select().where(Platform.code == code))

    def drop_module_switches(self, platform_id: uuid.UUID) -> None:
        self.session.execute(delete(ModuleState).where(ModuleState.platform_id == platform_id))


class TenantRepository(RepositoryBase[Tenant]):
    model = Tenant
    not_found = TenantNotFound

    def lock(self, tenant_id: uuid.UUID) -> None:
        """Serialise changes that check a tenant-wide rule (the last admin, pending
        invitations, the plan's store limit)."""
        self.session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())

    def by_reference(self, reference: str) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(id, platform id) of the tenants whose full id or slug is `reference`."""
        condition = Tenant.slug == reference
        as_id = _as_uuid(reference)
        if as_id is not None:
            condition = or_(condition, Tenant.id == as_id)
        query = select(Tenant.id, Tenant.platform_id).where(condition).order_by(Tenant.created_at)
        return [(row.id, row.platform_id) for row in self.session.execute(query)]

    def by_name(self, platform_id: uuid.UUID, name: str) -> Tenant | None:
        query = self.select().where(
            Tenant.platform_id == platform_id, func.lower(Tenant.name) == name.strip().lower()
        )
        return self.first(query.order_by(Tenant.created_at))

    def by_slug(self, platform_id: uuid.UUID, slug: str) -> Tenant | None:
        return self.first(
            self.select().where(Tenant.platform_id == platform_id, Tenant.slug == slug)
        )

    def slug_taken(
        self, platform_id: uuid.UUID, slug: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        query = select(Tenant.id).where(Tenant.platform_id == platform_id, Tenant.slug == slug)
        if other_than is not None:
            query = query.where(Tenant.id != other_than)
        return self.session.scalar(query.limit(1)) is not None

    def on_platform(self, platform_id: uuid.UUID) -> bool:
        query = select(Tenant.id).where(Tenant.platform_id == platform_id).limit(1)
        return self.session.scalar(query) is not None

    def search(
        self, *, platform_id: uuid.UUID | None, search: str | None, page: Page | None
    ) -> tuple[list[Tenant], int]:
        return self.page(
            self.searched(platform_id=platform_id, search=search), page, Tenant.created_at
        )

    def searched(
        self, *, platform_id: uuid.UUID | None, search: str | None
    ) -> Select[tuple[Tenant]]:
        """Tenants on `platform_id` (every platform if None) whose name or slug contains
        `search`."""
        query = self.select()
        if platform_id is not None:
            query = query.where(Tenant.platform_id == platform_id)
        if search:
            term = search.lower()
            query = query.where(
                or_(_contains(func.lower(Tenant.name), term), _contains(Tenant.slug, term))
            )
        return query

    def active(self, platform_id: uuid.UUID | None) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(id, platform id) of the active tenants, oldest first."""
        query = select(Tenant.id, Tenant.platform_id).where(Tenant.is_active.is_(True))
        if platform_id is not None:
            query = query.where(Tenant.platform_id == platform_id)
        rows = self.session.execute(query.order_by(Tenant.created_at, Tenant.id))
        return [(tenant_id, platform) for tenant_id, platform in rows]

    def platform_of(self, tenant_id: uuid.UUID) -> uuid.UUID | None:
        return self.session.scalar(select(Tenant.platform_id).where(Tenant.id == tenant_id))

    def name_of(self, tenant_id: uuid.UUID) -> str | None:
        return self.session.scalar(select(Tenant.name).where(Tenant.id == tenant_id))

    def drop_module_switches(self, tenant_id: uuid.UUID) -> None:
        self.session.execute(delete(ModuleState).where(ModuleState.tenant_id == tenant_id))


class StoreRepository(RepositoryBase[Store]):
    model = Store
    not_found = StoreNotFound

    def visible(self, visible: frozenset[uuid.UUID] | None) -> Select[tuple[Store]]:
        """The tenant's stores, limited to `visible` (None: every one)."""
        query = self.select()
        if visible is not None:
            query = query.where(Store.id.in_(visible))
        return query

    def get_visible(self, store_id: uuid.UUID, visible: frozenset[uuid.UUID] | None) -> Store:
        store = self.get(store_id)
        if visible is not None and store.id not in visible:
            raise StoreNotFound(f"store {store_id} does not exist")
        return store

    def by_code(self, code: str) -> Store | None:
        return self.first(self.select().where(Store.code == code))

    def code_taken(self, code: str, *, other_than: uuid.UUID | None = None) -> bool:
        query = select(Store.id).where(Store.code == code)
        if other_than is not None:
            query = query.where(Store.id != other_than)
        return self.session.scalar(query.limit(1)) is not None

    def count(self) -> int:
        return self.session.scalar(select(func.count(Store.id))) or 0

    def known(self, store_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `store_ids` are the tenant's stores."""
        return set(self.session.scalars(select(Store.id).where(Store.id.in_(store_ids))))

    def every_tenants(
        self, *, search: str | None, page: Page | None
    ) -> tuple[list[tuple[Store, str]], int]:
        """Operators: every tenant's stores with their tenant's name, by tenant then store."""
        query = select(Store, Tenant.name).join(Tenant, Tenant.id == Store.tenant_id)
        if search:
            term = search.strip().lower()
            query = query.where(
                or_(
                    _contains(func.lower(Store.name), term),
                    _contains(Store.code, term),
                    _contains(func.lower(Tenant.name), term),
                )
            )
        page = page or Page()
        with all_tenants(self.session):
            count = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = self.session.execute(
                query.order_by(Tenant.name, Store.name, Store.id)
                .limit(page.limit)
                .offset(page.offset)
            ).all()
        return [(store, tenant_name) for store, tenant_name in rows], count

    def delete_all(self) -> None:
        """The acting tenant's stores (deleting the tenant)."""
        self.session.execute(delete(Store))


Limited = TypeVar("Limited", Membership, Invitation)


class _StoreLimitedRepository(RepositoryBase[Limited]):
    """Rows that may limit a member to some stores (`store_ids`; None: every store)."""

    def forget_store(self, store_id: uuid.UUID) -> None:
        """Take a deleted store out of every row's list."""
        gone = str(store_id)
        limited = self.select().where(self.model.store_ids.is_not(None))
        for row in self.session.scalars(limited):
            if row.store_ids and gone in row.store_ids:  # JSON null reads as None
                row.store_ids = [s for s in row.store_ids if s != gone]

    def delete_all(self) -> None:
        """The acting tenant's rows (deleting the tenant)."""
        self.session.execute(delete(self.model))


class MembershipRepository(_StoreLimitedRepository[Membership]):
    model = Membership
    not_found = MemberNotFound
    label = "member"

    def id_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """The user's membership in the acting tenant, if any."""
        return self.session.scalar(select(Membership.id).where(Membership.user_id == user_id))

    def count_with_role(self, role: str) -> int:
        query = select(func.count(Membership.id)).where(Membership.role == role)
        return self.session.scalar(query) or 0

    def user_ids_with_role(self, role: str) -> list[uuid.UUID]:
        return list(self.session.scalars(select(Membership.user_id).where(Membership.role == role)))

    def standing(
        self, user_id: uuid.UUID, tenant_id: uuid.UUID | None
    ) -> tuple[uuid.UUID, str, list[Any] | None, uuid.UUID] | None:
        """(tenant, role, store ids, platform) of the user's first membership in an active
        tenant (in `tenant_id` if given), across tenants."""
        query = (
            select(Membership.tenant_id, Membership.role, Membership.store_ids, Tenant.platform_id)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user_id, Tenant.is_active.is_(True))
        )
        if tenant_id is not None:
            query = query.where(Membership.tenant_id == tenant_id)
        with all_tenants(self.session):
            row = self.session.execute(
                query.order_by(Membership.created_at, Membership.id).limit(1)
            ).first()
        return None if row is None else tuple(row)  # type: ignore[return-value]

    def tenants_of(self, user_id: uuid.UUID) -> list[tuple[str, Tenant]]:
        """(role, tenant) of every active tenant the user belongs to, oldest first."""
        with all_tenants(self.session):
            rows = self.session.execute(
                select(Membership.role, Tenant)
                .join(Tenant, Tenant.id == Membership.tenant_id)
                .where(Membership.user_id == user_id, Tenant.is_active.is_(True))
                .order_by(Membership.created_at, Membership.id)
            ).all()
        return [(role, tenant) for role, tenant in rows]

    def in_tenants(self, tenant_ids: Iterable[uuid.UUID]) -> list[Membership]:
        """Operators' overviews: the members of several tenants."""
        with all_tenants(self.session):
            return self.list(
                self.select()
                .where(Membership.tenant_id.in_(list(tenant_ids)))
                .order_by(Membership.created_at, Membership.id)
            )


class InvitationRepository(_StoreLimitedRepository[Invitation]):
    model = Invitation
    not_found = InvitationNotFound

    def pending_id(self, email: str, now: datetime) -> uuid.UUID | None:
        return self.session.scalar(
            select(Invitation.id).where(
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        )

    def with_status(self, status: str | None, now: datetime) -> Select[tuple[Invitation]]:
        query = self.select()
        open_ = (Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        if status == "pending":
            query = query.where(*open_, Invitation.expires_at > now)
        elif status == "accepted":
            query = query.where(Invitation.accepted_at.is_not(None))
        elif status == "revoked":
            query = query.where(
                Invitation.revoked_at.is_not(None), Invitation.accepted_at.is_(None)
            )
        elif status == "expired":
            query = query.where(*open_, Invitation.expires_at <= now)
        return query

    def by_token_hash(self, token_hash: str) -> Invitation | None:
        """The invitation a token names, locked, whichever tenant it is for."""
        with all_tenants(self.session):
            return self.session.scalar(
                select(Invitation).where(Invitation.token_hash == token_hash).with_for_update()
            )


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
