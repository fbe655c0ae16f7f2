"""The kernel's extension points tenancy provides: `tenant_directory` (who the tenants are)
and `memberships` (a user's role and permissions in a tenant). Both read across tenants:
they are how the kernel learns which tenant a unit of work acts for."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.contract.principal import Membership as MemberStanding
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.modules.tenancy.models import Store
from orion.modules.tenancy.repository import (
    MembershipRepository,
    PlatformRepository,
    StoreRepository,
    TenantRepository,
)
from orion.modules.tenancy.services.members import role_permissions


class TenantDirectory:
    """Kernel extension point `tenant_directory`."""

    def default_platform_id(self, session: Session) -> uuid.UUID:
        return DEFAULT_PLATFORM_ID

    def platform_of(self, session: Session, tenant_id: uuid.UUID) -> uuid.UUID | None:
        return TenantRepository(session).platform_of(tenant_id)

    def tenants(
        self, session: Session, platform_id: uuid.UUID | None = None
    ) -> list[TenantContext]:
        """The active tenants (a suspended tenant's scheduled work does not run)."""
        rows = TenantRepository(session).active(platform_id)
        return [TenantContext(tenant_id, platform) for tenant_id, platform in rows]

    def name_of(self, session: Session, tenant_id: uuid.UUID) -> str | None:
        return TenantRepository(session).name_of(tenant_id)

    def lookup(self, session: Session, reference: str) -> list[TenantContext]:
        rows = TenantRepository(session).by_reference(reference)
        return [TenantContext(tenant_id, platform) for tenant_id, platform in rows]

    def platform_lookup(self, session: Session, reference: str) -> uuid.UUID | None:
        return PlatformRepository(session).id_by_reference(reference)


class MembershipResolver:
    """Kernel extension point `memberships`: a user's role and permissions in a tenant."""

    def membership(
        self, session: Session, user_id: uuid.UUID, tenant_id: uuid.UUID | None
    ) -> MemberStanding | None:
        row = MembershipRepository(session).standing(user_id, tenant_id)
        if row is None:
            return None
        member_tenant, role, store_ids, platform_id = row
        return MemberStanding(
            tenant=TenantContext(member_tenant, platform_id),
            role=role,
            permissions=role_permissions(runtime_of(session).registry, role),
            store_ids=None if store_ids is None else frozenset(uuid.UUID(s) for s in store_ids),
        )


class StoreDirectory:
    """Kernel extension point `store_directory`: a tenant's stores."""

    def store(
        self, session: Session, tenant: TenantContext, store_id: uuid.UUID
    ) -> StoreInfo | None:
        with acting_for(session, tenant):
            store = session.get(Store, store_id)
            if store is None or store.tenant_id != tenant.tenant_id:
                return None
            return _info(store)

    def stores(self, session: Session, tenant: TenantContext) -> list[StoreInfo]:
        with acting_for(session, tenant):
            repository = StoreRepository(session)
            rows = repository.list(repository.select().order_by(Store.name, Store.id))
            return [_info(store) for store in rows]

    def public_store(self, session: Session, store_id: uuid.UUID) -> StoreInfo | None:
        with all_tenants(session):
            store = session.get(Store, store_id)
            return None if store is None else _info(store)


def _info(store: Store) -> StoreInfo:
    return StoreInfo(
        id=store.id,
        tenant_id=store.tenant_id,
        code=store.code,
        name=store.name,
        currency=store.currency,
        is_active=store.is_active,
    )


directory = TenantDirectory()
stores = StoreDirectory()
memberships = MembershipResolver()
