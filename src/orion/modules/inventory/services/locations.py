"""A store's stock locations and its inventory settings."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import insert_or_ignore
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.inventory.exceptions import LocationCodeTaken, LocationInUse
from orion.modules.inventory.models import InventorySettings, StockLocation
from orion.modules.inventory.repository import (
    LevelRepository,
    LocationRepository,
    SettingsRepository,
)
from orion.modules.inventory.schemas import (
    DEFAULT_RESERVATION_TTL_MINUTES,
    InventorySettingsPublic,
    InventorySettingsUpdate,
    LocationCreate,
    LocationsPublic,
    LocationUpdate,
)
from orion.modules.inventory.services.ledger import lock, record


def list_locations(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> tuple[list[StockLocation], int]:
    """The store's locations in allocation order (priority, then code)."""
    with acting_for(session, tenant):
        locations = LocationRepository(session)
        query = locations.select().where(StockLocation.store_id == store_id)
        return locations.page(query, page, StockLocation.priority, StockLocation.code)


def locations_listing(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> LocationsPublic:
    with acting_for(session, tenant):
        locations = LocationRepository(session)
        query = locations.select().where(StockLocation.store_id == store_id)
        return locations.listing(
            LocationsPublic, query, page, StockLocation.priority, StockLocation.code
        )


def get_location(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, location_id: uuid.UUID
) -> StockLocation:
    """404 `location_not_found` for an unknown location, another store's or tenant's."""
    with acting_for(session, tenant):
        return LocationRepository(session).in_store(store_id, location_id)


def create_location(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, data: LocationCreate
) -> StockLocation:
    with acting_for(session, tenant):
        locations = LocationRepository(session)
        if locations.by_code(store_id, data.code) is not None:
            raise LocationCodeTaken(data.code)
        location = StockLocation(tenant_id=tenant.tenant_id, store_id=store_id, **data.model_dump())
        _save(session, location, data.code)
        return location


def update_location(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    location_id: uuid.UUID,
    data: LocationUpdate,
) -> StockLocation:
    """Change a location; switching it on or off changes what the store can sell of every
    item it holds, which the catalog is told."""
    with acting_for(session, tenant):
        locations = LocationRepository(session)
        location = locations.in_store(store_id, location_id)
        changes = data.model_dump(exclude_unset=True)
        code = changes.get("code")
        if code is not None and code != location.code and locations.by_code(store_id, code):
            raise LocationCodeTaken(code)
        switched = "is_active" in changes and changes["is_active"] != location.is_active
        for name, value in changes.items():
            setattr(location, name, value)
        _save(session, location, location.code)
        if switched:
            keys = LevelRepository(session).of_location(location.id)
            levels = lock(session, store_id, keys)
            record(session, tenant, levels, sorted(keys, key=lambda k: (str(k[0]), str(k[1]))))
        return location


def delete_location(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    """Only a location that never held stock goes (409 `location_in_use` otherwise: its
    ledger stays; deactivate it instead)."""
    with acting_for(session, tenant):
        locations = LocationRepository(session)
        location = locations.in_store(store_id, location_id)
        if locations.has_levels(location.id):
            raise LocationInUse()
        locations.delete(location)


def _save(session: Session, location: StockLocation, code: str) -> None:
    try:
        with session.begin_nested():
            session.add(location)
            session.flush()
    except IntegrityError:
        raise LocationCodeTaken(code) from None  # a concurrent twin took the code first


# -- settings ------------------------------------------------------------------------------------


def get_settings(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID
) -> InventorySettingsPublic:
    with acting_for(session, tenant):
        stored = SettingsRepository(session).of_store(store_id)
    ttl = stored.reservation_ttl_minutes if stored else DEFAULT_RESERVATION_TTL_MINUTES
    return InventorySettingsPublic(store_id=store_id, reservation_ttl_minutes=ttl)


def update_settings(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    data: InventorySettingsUpdate,
) -> InventorySettingsPublic:
    """The store's reservation expiry (applies to reservations made from now on)."""
    with acting_for(session, tenant):
        insert_or_ignore(  # the store's row, made once even by concurrent callers
            session,
            InventorySettings,
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant.tenant_id,
                "store_id": store_id,
                "reservation_ttl_minutes": DEFAULT_RESERVATION_TTL_MINUTES,
            },
            unique=("store_id",),
        )
        stored = SettingsRepository(session).of_store(store_id)
        assert stored is not None
        stored.reservation_ttl_minutes = data.reservation_ttl_minutes
        session.flush()
    return InventorySettingsPublic(
        store_id=store_id, reservation_ttl_minutes=stored.reservation_ttl_minutes
    )
