"""A tenant's stores. `visible` limits a member to some stores (None: every one)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError
from orion.kernel.runtime.limits import check_limit
from orion.modules.tenancy.exceptions import StoreCodeTaken
from orion.modules.tenancy.models import Store
from orion.modules.tenancy.repository import (
    InvitationRepository,
    MembershipRepository,
    StoreRepository,
    TenantRepository,
)
from orion.modules.tenancy.schemas import StoreCreate, StoresPublic, StoreUpdate
from orion.modules.tenancy.services.common import insert_unique

Visible = frozenset[uuid.UUID] | None


def _code_taken(code: str) -> StoreCodeTaken:
    return StoreCodeTaken(
        f"the tenant has a store with code {code!r}",
        errors=[FieldError("code", "already taken in this tenant", "unique")],
    )


def list_stores(
    session: Session, tenant: TenantContext, *, visible: Visible = None, page: Page | None = None
) -> tuple[list[Store], int]:
    with acting_for(session, tenant):
        stores = StoreRepository(session)
        return stores.page(stores.visible(visible), page, Store.created_at)


def stores_listing(
    session: Session, tenant: TenantContext, *, visible: Visible = None, page: Page | None = None
) -> StoresPublic:
    """The list route's page: rows counted in one statement (`list_stores` gives ORM rows)."""
    with acting_for(session, tenant):
        stores = StoreRepository(session)
        return stores.listing(StoresPublic, stores.visible(visible), page, Store.created_at)


def list_all_stores(
    session: Session, *, search: str | None = None, page: Page | None = None
) -> tuple[list[tuple[Store, str]], int]:
    """Operators: every tenant's stores with their tenant's name, by tenant then store;
    `search` matches store name, code or tenant name literally ("%" and "_" too)."""
    return StoreRepository(session).every_tenants(search=search, page=page)


def get_store(
    session: Session, tenant: TenantContext, store_id: uuid.UUID, *, visible: Visible = None
) -> Store:
    with acting_for(session, tenant):
        return StoreRepository(session).get_visible(store_id, visible)


def create_store(session: Session, tenant: TenantContext, *, data: StoreCreate) -> Store:
    """Create a store; refused (402 plan_limit_reached) when the tenant's plan, if a module
    provides `usage_limits` (billing), allows no more stores."""
    with acting_for(session, tenant):
        stores = StoreRepository(session)
        if stores.code_taken(data.code):
            raise _code_taken(data.code)
        # Serialised per tenant, so two stores created at once cannot both take the last slot.
        TenantRepository(session).lock(tenant.tenant_id)
        check_limit(session, tenant, "stores", current=stores.count())
        store = Store(
            name=data.name, code=data.code, currency=data.currency, is_active=data.is_active
        )
        insert_unique(session, store, lambda: _code_taken(data.code))
    return store


def update_store(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    *,
    data: StoreUpdate,
    visible: Visible = None,
) -> Store:
    with acting_for(session, tenant):
        stores = StoreRepository(session)
        store = stores.get_visible(store_id, visible)
        changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
        if "code" in changes and stores.code_taken(changes["code"], other_than=store.id):
            raise _code_taken(changes["code"])
        for field, value in changes.items():
            setattr(store, field, value)
        session.flush()
    return store


def delete_store(
    session: Session, tenant: TenantContext, store_id: uuid.UUID, *, visible: Visible = None
) -> None:
    """Delete a store; members and invitations limited to it lose it from their list."""
    with acting_for(session, tenant):
        stores = StoreRepository(session)
        store = stores.get_visible(store_id, visible)
        MembershipRepository(session).forget_store(store.id)
        InvitationRepository(session).forget_store(store.id)
        stores.delete(store)
