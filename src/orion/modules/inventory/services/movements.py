"""Receipts, adjustments and transfers: what a merchant does to stock by hand.

Each is one movement (the request, with its reason and optional idempotency key) and one
ledger row per level it touches, written through `ledger.apply` under the levels' lock.
With an idempotency key a replay returns the first movement and moves nothing; the same
key with other parameters is refused (409 `idempotency_key_reused`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.inventory.exceptions import (
    BelowReserved,
    IdempotencyKeyReused,
    InsufficientStock,
)
from orion.modules.inventory.models import StockMovement
from orion.modules.inventory.repository import (
    LevelRepository,
    LocationRepository,
    MovementRepository,
    TransactionRepository,
)
from orion.modules.inventory.schemas import (
    AdjustmentCreate,
    AdjustmentMode,
    InventoryTransactionPublic,
    MovementPublic,
    ReceiptCreate,
    TransactionKind,
    TransferCreate,
)
from orion.modules.inventory.services.common import check_item, digest
from orion.modules.inventory.services.ledger import Change, apply, lock


def receive(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    data: ReceiptCreate,
    idempotency_key: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> MovementPublic:
    """Units arrived at a location: on hand grows by `quantity`."""
    with acting_for(session, tenant):
        location = LocationRepository(session).in_store(store_id, data.location_id)
        check_item(session, tenant, store_id, data.product_id, data.variant_id)
        movement = _claim(
            session,
            tenant,
            store_id=store_id,
            kind="receipt",
            key=idempotency_key,
            request=data.model_dump(mode="json"),
            reason=data.reason,
            reference=data.reference,
            actor_id=actor_id,
        )
        if isinstance(movement, MovementPublic):
            return movement
        item = (data.product_id, data.variant_id)
        _ensure(session, tenant, store_id, location.id, item)
        levels = lock(session, store_id, [item])
        level = levels.at(location.id, item)
        assert level is not None
        entries = apply(
            session,
            tenant,
            levels,
            [
                Change(
                    level.id,
                    TransactionKind.RECEIVE,
                    on_hand=data.quantity,
                    reference=data.reference,
                    reason=data.reason,
                    movement_id=movement["id"],
                )
            ],
            actor_id=actor_id,
        )
        return _public(movement, entries)


def adjust(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    data: AdjustmentCreate,
    idempotency_key: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> MovementPublic:
    """A correction: on hand changes by `quantity`, or becomes it (a count). Never below
    zero (409 `insufficient_stock`) nor below what open orders reserve (409
    `stock_below_reserved`)."""
    with acting_for(session, tenant):
        location = LocationRepository(session).in_store(store_id, data.location_id)
        check_item(session, tenant, store_id, data.product_id, data.variant_id)
        movement = _claim(
            session,
            tenant,
            store_id=store_id,
            kind="adjustment",
            key=idempotency_key,
            request=data.model_dump(mode="json"),
            reason=data.reason,
            actor_id=actor_id,
        )
        if isinstance(movement, MovementPublic):
            return movement
        item = (data.product_id, data.variant_id)
        _ensure(session, tenant, store_id, location.id, item)
        levels = lock(session, store_id, [item])
        level = levels.at(location.id, item)
        assert level is not None
        target = data.quantity if data.mode == AdjustmentMode.SET else level.on_hand + data.quantity
        if target < 0:
            raise InsufficientStock(
                field="quantity", sku=None, requested=-data.quantity, available=level.on_hand
            )
        if target < level.reserved:
            raise BelowReserved(field="quantity", on_hand=target, reserved=level.reserved)
        entries = apply(
            session,
            tenant,
            levels,
            [
                Change(
                    level.id,
                    TransactionKind.ADJUST,
                    on_hand=target - level.on_hand,
                    reason=data.reason,
                    movement_id=movement["id"],
                )
            ],
            actor_id=actor_id,
        )
        return _public(movement, entries)


def transfer(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    data: TransferCreate,
    idempotency_key: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> MovementPublic:
    """Units moved between two locations of the store: two ledger rows (kind transfer), out
    of one level and into the other; only available units move (409 otherwise)."""
    with acting_for(session, tenant):
        locations = LocationRepository(session)
        source = locations.in_store(store_id, data.from_location_id)
        target = locations.in_store(store_id, data.to_location_id)
        check_item(session, tenant, store_id, data.product_id, data.variant_id)
        movement = _claim(
            session,
            tenant,
            store_id=store_id,
            kind="transfer",
            key=idempotency_key,
            request=data.model_dump(mode="json"),
            reason=data.reason,
            actor_id=actor_id,
        )
        if isinstance(movement, MovementPublic):
            return movement
        item = (data.product_id, data.variant_id)
        _ensure(session, tenant, store_id, target.id, item)
        levels = lock(session, store_id, [item])
        out_of, into = levels.at(source.id, item), levels.at(target.id, item)
        assert into is not None
        available = out_of.available if out_of is not None else 0
        if out_of is None or available < data.quantity:
            raise InsufficientStock(
                field="quantity", sku=None, requested=data.quantity, available=available
            )
        common = {"reason": data.reason, "movement_id": movement["id"]}
        entries = apply(
            session,
            tenant,
            levels,
            [
                Change(out_of.id, TransactionKind.TRANSFER, on_hand=-data.quantity, **common),
                Change(into.id, TransactionKind.TRANSFER, on_hand=data.quantity, **common),
            ],
            actor_id=actor_id,
        )
        return _public(movement, entries)


def _ensure(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    location_id: uuid.UUID,
    item: tuple[uuid.UUID, uuid.UUID | None],
) -> None:
    LevelRepository(session).ensure(
        tenant_id=tenant.tenant_id,
        store_id=store_id,
        location_id=location_id,
        product_id=item[0],
        variant_id=item[1],
    )


def _claim(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    kind: str,
    key: str | None,
    request: dict[str, Any],
    reason: str | None,
    reference: str | None = None,
    actor_id: uuid.UUID | None,
) -> dict[str, Any] | MovementPublic:
    """The new movement's values, or (a replay) the movement that already has `key`."""
    values = {
        "id": uuid.uuid4(),
        "tenant_id": tenant.tenant_id,
        "store_id": store_id,
        "kind": kind,
        "reason": reason,
        "reference": reference,
        "actor_id": actor_id,
        "idempotency_key": key,
        "request_hash": digest(kind, store_id=store_id, **request),
        "created_at": utcnow(),
    }
    movements = MovementRepository(session)
    if movements.claim(values):
        return values
    assert key is not None  # only a key can conflict
    existing = movements.by_key(key)
    assert existing is not None  # the key's owner committed before our insert gave way
    if existing.request_hash != values["request_hash"]:
        raise IdempotencyKeyReused(key)
    return _public(existing, TransactionRepository(session).of_movement(existing.id))


def _public(movement: dict[str, Any] | StockMovement, entries: list[Any]) -> MovementPublic:
    def value(name: str) -> Any:
        return movement[name] if isinstance(movement, dict) else getattr(movement, name)

    names = [name for name in MovementPublic.model_fields if name != "transactions"]
    return MovementPublic.model_validate(
        {
            **{name: value(name) for name in names},
            "transactions": [InventoryTransactionPublic.model_validate(e) for e in entries],
        }
    )
