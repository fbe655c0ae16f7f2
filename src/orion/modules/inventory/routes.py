"""Inventory routes, per store: locations, levels, receipts, adjustments, transfers, the
ledger, reservations and the store's settings.

`api` is one router with two audiences (kernel.web.mounting): the tenant's members at
/api/v1/inventory/..., platform operators acting for a tenant at
/api/v1/admin/inventory/tenants/{tenant_id}/... `CurrentStore` answers 404
`store_not_found` for a store that is not the tenant's (or not the member's). Movements
take an optional `Idempotency-Key`: a retry with the same key moves nothing again.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from orion.kernel.web.dependencies import (
    CurrentStore,
    CurrentTenant,
    IdempotencyKey,
    KeysetDep,
    PageDep,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.inventory import services
from orion.modules.inventory.dependencies import CanManage, CanRead
from orion.modules.inventory.schemas import (
    AdjustmentCreate,
    InventorySettingsPublic,
    InventorySettingsUpdate,
    InventoryTransactionsPublic,
    LevelPublic,
    LevelsPublic,
    LevelUpdate,
    LocationCreate,
    LocationPublic,
    LocationsPublic,
    LocationUpdate,
    MovementPublic,
    ReceiptCreate,
    ReservationsPublic,
    ReservationState,
    TransactionKind,
    TransferCreate,
)

api = APIRouter()

NOT_FOUND = problem_responses(404)
MOVING = problem_responses(404, 409, 422)
STORE = "/stores/{store_id}"


# -- locations ---------------------------------------------------------------------------------


@api.get(f"{STORE}/locations", response_model=LocationsPublic, responses=NOT_FOUND)
def list_locations(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    """The store's locations in allocation order (priority, then code)."""
    return ListingResponse(
        services.locations_listing(session, tenant, store_id=store.id, page=page)
    )


@api.post(
    f"{STORE}/locations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409, 422),
)
def create_location(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    body: LocationCreate,
) -> LocationPublic:
    location = services.create_location(session, tenant, store_id=store.id, data=body)
    return LocationPublic.model_validate(location)


@api.get(f"{STORE}/locations/{{location_id}}", responses=NOT_FOUND)
def get_location(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    location_id: uuid.UUID,
) -> LocationPublic:
    location = services.get_location(session, tenant, store_id=store.id, location_id=location_id)
    return LocationPublic.model_validate(location)


@api.patch(f"{STORE}/locations/{{location_id}}", responses=problem_responses(404, 409, 422))
def update_location(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    location_id: uuid.UUID,
    body: LocationUpdate,
) -> LocationPublic:
    """Rename, reorder, switch on or off (an inactive location serves no order)."""
    location = services.update_location(
        session, tenant, store_id=store.id, location_id=location_id, data=body
    )
    return LocationPublic.model_validate(location)


@api.delete(
    f"{STORE}/locations/{{location_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
def delete_location(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    location_id: uuid.UUID,
) -> None:
    """Only a location that never held stock (409 `location_in_use` otherwise)."""
    services.delete_location(session, tenant, store_id=store.id, location_id=location_id)


# -- levels ------------------------------------------------------------------------------------


@api.get(f"{STORE}/levels", response_model=LevelsPublic, responses=NOT_FOUND)
def list_levels(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page: PageDep,
    product_id: Annotated[uuid.UUID | None, Query()] = None,
    variant_id: Annotated[uuid.UUID | None, Query()] = None,
    location_id: Annotated[uuid.UUID | None, Query()] = None,
    low_stock: Annotated[
        bool | None, Query(description="Only levels at or below their threshold, or empty")
    ] = None,
) -> ListingResponse:
    return ListingResponse(
        services.levels_listing(
            session,
            tenant,
            store_id=store.id,
            product_id=product_id,
            variant_id=variant_id,
            location_id=location_id,
            low_stock=low_stock,
            page=page,
        )
    )


@api.patch(f"{STORE}/levels/{{level_id}}", responses=problem_responses(404, 422))
def update_level(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    level_id: uuid.UUID,
    body: LevelUpdate,
) -> LevelPublic:
    """The level's low-stock threshold."""
    listed = services.update_level(session, tenant, store_id=store.id, level_id=level_id, data=body)
    return listed.data[0]


# -- movements ---------------------------------------------------------------------------------


@api.post(f"{STORE}/receipts", status_code=status.HTTP_201_CREATED, responses=MOVING)
def receive(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    body: ReceiptCreate,
    key: IdempotencyKey,
) -> MovementPublic:
    """Units arrived at a location."""
    return services.receive(
        session,
        tenant,
        store_id=store.id,
        data=body,
        idempotency_key=key,
        actor_id=principal.user_id,
    )


@api.post(f"{STORE}/adjustments", status_code=status.HTTP_201_CREATED, responses=MOVING)
def adjust(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    body: AdjustmentCreate,
    key: IdempotencyKey,
) -> MovementPublic:
    """A correction with its reason: by a delta, or to a counted quantity."""
    return services.adjust(
        session,
        tenant,
        store_id=store.id,
        data=body,
        idempotency_key=key,
        actor_id=principal.user_id,
    )


@api.post(f"{STORE}/transfers", status_code=status.HTTP_201_CREATED, responses=MOVING)
def transfer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    body: TransferCreate,
    key: IdempotencyKey,
) -> MovementPublic:
    """Available units moved from one location to another."""
    return services.transfer(
        session,
        tenant,
        store_id=store.id,
        data=body,
        idempotency_key=key,
        actor_id=principal.user_id,
    )


# -- ledger, reservations, settings -------------------------------------------------------------


@api.get(
    f"{STORE}/transactions",
    response_model=InventoryTransactionsPublic,
    responses=problem_responses(404, 422),
)
def list_transactions(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page: KeysetDep,
    product_id: Annotated[uuid.UUID | None, Query()] = None,
    location_id: Annotated[uuid.UUID | None, Query()] = None,
    level_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[TransactionKind | None, Query()] = None,
    reference: Annotated[str | None, Query(max_length=200)] = None,
) -> ListingResponse:
    """The ledger, newest first; pass `next_cursor` back as `after` for the next page."""
    return ListingResponse(
        services.transactions_listing(
            session,
            tenant,
            store_id=store.id,
            page=page,
            product_id=product_id,
            location_id=location_id,
            level_id=level_id,
            kind=kind,
            reference=reference,
        )
    )


@api.get(f"{STORE}/reservations", response_model=ReservationsPublic, responses=NOT_FOUND)
def list_reservations(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page: PageDep,
    reference: Annotated[str | None, Query(max_length=200, examples=["order:<id>"])] = None,
    state: Annotated[ReservationState | None, Query()] = None,
) -> ListingResponse:
    return ListingResponse(
        services.reservations_listing(
            session, tenant, store_id=store.id, reference=reference, state=state, page=page
        )
    )


@api.get(f"{STORE}/settings", responses=NOT_FOUND)
def get_settings(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead
) -> InventorySettingsPublic:
    return services.get_settings(session, tenant, store_id=store.id)


@api.put(f"{STORE}/settings", responses=problem_responses(404, 422))
def put_settings(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    body: InventorySettingsUpdate,
) -> InventorySettingsPublic:
    """How long an unpaid order's reservations hold (null: until canceled or shipped)."""
    return services.update_settings(session, tenant, store_id=store.id, data=body)
