"""Stock promised to orders: reserved when an order is placed, released when it is
canceled or not paid in time, turned into fulfilment when it ships, restocked when it
comes back.

Reserving is on the checkout's hot path: for a whole order it costs one
SELECT ... FOR UPDATE of the levels of every line (in level-id order, the store's reservation
expiry read in the same statement), one executemany UPDATE of the levels, one INSERT of the
ledger rows, one INSERT of the reservations, and the catalog's `record_stock` per item.

An item with no level at all in the store is *untracked*: it is sold without stock control
(nothing reserved). An item with a level anywhere in the store is tracked: a line it cannot
cover from the active locations fails the order (409 `insufficient_stock`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants, require_tenant
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.modules.inventory.events import ReservationsExpired
from orion.modules.inventory.exceptions import InsufficientStock
from orion.modules.inventory.models import Reservation
from orion.modules.inventory.repository import Key, ReservationRepository
from orion.modules.inventory.schemas import ReservationState, TransactionKind
from orion.modules.inventory.services.common import order_reference
from orion.modules.inventory.services.ledger import Change, Levels, apply, lock
from orion.modules.orders.events import (
    FulfillmentCreated,
    OrderCanceled,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    ReturnReceived,
)

EXPIRY_BATCH = 200  # orders released per run of the expiry task


# -- event handlers ----------------------------------------------------------------------------


def on_order_placed(session: Session, event: OrderPlaced) -> None:
    """orders.order_placed (in the placing transaction): reserve every line, or fail it."""
    reserve(
        session,
        require_tenant(session),
        store_id=event.store_id,
        reference=order_reference(event.order_id),
        lines=event.lines,
    )


def on_order_paid(session: Session, event: OrderPaid) -> None:
    """orders.order_paid: a paid order's reservations no longer expire."""
    with acting_for(session, require_tenant(session)):
        ReservationRepository(session).keep(order_reference(event.order_id))


def on_order_canceled(session: Session, event: OrderCanceled) -> None:
    """orders.order_canceled (after commit, through the outbox): release what the order
    still holds. Safe to run again: released reservations are not released twice."""
    release(
        session,
        require_tenant(session),
        store_id=event.store_id,
        reference=order_reference(event.order_id),
    )


def on_fulfillment_created(session: Session, event: FulfillmentCreated) -> None:
    """orders.fulfillment_created (in the shipping transaction): the shipped units leave."""
    fulfil(
        session,
        require_tenant(session),
        store_id=event.store_id,
        reference=order_reference(event.order_id),
        lines=event.lines,
    )


def on_return_received(session: Session, event: ReturnReceived) -> None:
    """orders.return_received: returned units go back on hand when `restock` says so."""
    if event.restock:
        restock(
            session,
            require_tenant(session),
            store_id=event.store_id,
            reference=order_reference(event.order_id),
            lines=event.lines,
        )


# -- reserve -----------------------------------------------------------------------------------


def reserve(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    reference: str,
    lines: Sequence[OrderLine],
) -> int:
    """Reserve each line from the store's active locations (lowest priority first, then by
    code; a line may take from several), or raise 409 `insufficient_stock` naming the first
    line that does not fit (`items[<position>].quantity`) and its SKU. How many units."""
    with acting_for(session, tenant):
        wanted = [line for line in lines if line.quantity > 0]
        levels = lock(session, store_id, {_key(line) for line in wanted}, with_ttl=True)
        if not levels.rows:
            return 0  # nothing the order sells is tracked here
        now = utcnow()
        expires_at = now + timedelta(minutes=levels.ttl_minutes) if levels.ttl_minutes else None
        left = {level.id: level.available for level in levels.rows}
        changes: list[Change] = []
        reservations: list[dict[str, Any]] = []
        for line in sorted(wanted, key=lambda ln: ln.position):
            key = _key(line)
            if not levels.tracked(key):
                continue
            needed = line.quantity
            for level in levels.sellable(key):
                take = min(needed, left[level.id])
                if take <= 0:
                    continue
                left[level.id] -= take
                needed -= take
                changes.append(
                    Change(level.id, TransactionKind.RESERVE, reserved=take, reference=reference)
                )
                reservations.append(
                    _reservation(tenant, levels, level.id, line, take, reference, expires_at, now)
                )
                if needed == 0:
                    break
            if needed:
                raise InsufficientStock(
                    field=f"items[{line.position}].quantity",
                    sku=line.sku,
                    requested=line.quantity,
                    available=line.quantity - needed,
                )
        apply(session, tenant, levels, changes)
        ReservationRepository(session).add_all(reservations)
        return sum(row["quantity"] for row in reservations)


def _reservation(
    tenant: TenantContext,
    levels: Levels,
    level_id: uuid.UUID,
    line: OrderLine,
    quantity: int,
    reference: str,
    expires_at: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    level = levels.by_id[level_id]
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant.tenant_id,
        "store_id": levels.store_id,
        "reference": reference,
        "level_id": level_id,
        "location_id": level.location_id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "position": line.position,
        "sku": line.sku,
        "quantity": quantity,
        "fulfilled": 0,
        "released": 0,
        "returned": 0,
        "state": ReservationState.ACTIVE.value,
        "expires_at": expires_at,
        "created_at": now,
        "updated_at": now,
    }


# -- release -----------------------------------------------------------------------------------


def release(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    reference: str,
    expired_by: datetime | None = None,
) -> int:
    """Give back what the reference's active reservations still hold (only those expired by
    `expired_by` when given); how many units. Released reservations stay released, so
    running it again changes nothing."""
    with acting_for(session, tenant):
        reservations = ReservationRepository(session)
        keys = reservations.keys_of(reference)
        if not keys:
            return 0
        levels = lock(session, store_id, keys)
        # Read under the levels' lock: whoever changed them before us has committed.
        active = reservations.of_reference(
            reference, state=ReservationState.ACTIVE, expired_by=expired_by
        )
        changes, progress = [], []
        for reservation in active:
            held = _held(reservation)
            changes.append(
                Change(
                    reservation.level_id,
                    TransactionKind.RELEASE,
                    reserved=-held,
                    reference=reference,
                )
            )
            progress.append(_progress(reservation, released=reservation.released + held))
        reservations.write(progress)
        apply(session, tenant, levels, changes)
        return sum(-change.reserved for change in changes)


def release_expired(session: Session, *, now: datetime | None = None) -> int:
    """Platform task: release the reservations of orders not paid in time; how many orders
    (`inventory.reservations_expired` is published for each)."""
    now = now or utcnow()
    with all_tenants(session):
        due = session.execute(
            select(Reservation.tenant_id, Reservation.store_id, Reservation.reference)
            .where(Reservation.state == ReservationState.ACTIVE, Reservation.expires_at <= now)
            .distinct()
            .limit(EXPIRY_BATCH)
        ).all()
    runtime = runtime_of(session)
    released = 0
    for tenant_id, store_id, reference in due:
        tenant = runtime.tenant_context(session, tenant_id)
        with acting_for(session, tenant):
            quantity = release(
                session, tenant, store_id=store_id, reference=reference, expired_by=now
            )
            if quantity:
                publish(
                    session,
                    ReservationsExpired(store_id=store_id, reference=reference, quantity=quantity),
                )
                released += 1
    return released


# -- fulfil and return -------------------------------------------------------------------------


def fulfil(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    reference: str,
    lines: Sequence[OrderLine],
) -> int:
    """The shipped units leave: reserved and on hand both drop, from the line's
    reservations first (ledger kind `fulfil`). Units shipped beyond what is still reserved
    (a reservation expired) come from available stock; a tracked item without that fails
    (409 `insufficient_stock`). Untracked items are ignored. How many units left."""
    with acting_for(session, tenant):
        wanted = [line for line in lines if line.quantity > 0]
        levels = lock(session, store_id, {_key(line) for line in wanted})
        if not levels.rows:
            return 0
        reservations = ReservationRepository(session)
        active = reservations.of_reference(reference, state=ReservationState.ACTIVE)
        changes: list[Change] = []
        progress: dict[uuid.UUID, dict[str, Any]] = {}
        # Fulfilling a reservation leaves the level's available as it was; shipping beyond
        # the reservations takes from it.
        left = {level.id: level.available for level in levels.rows}
        for line in sorted(wanted, key=lambda ln: ln.position):
            key = _key(line)
            if not levels.tracked(key):
                continue
            needed = line.quantity
            for reservation in _matching(active, line, levels):
                done = progress.get(reservation.id)
                fulfilled = done["b_fulfilled"] if done else reservation.fulfilled
                held = reservation.quantity - fulfilled - reservation.released
                take = min(needed, held)
                if take <= 0:
                    continue
                needed -= take
                changes.append(
                    Change(
                        reservation.level_id,
                        TransactionKind.FULFIL,
                        on_hand=-take,
                        reserved=-take,
                        reference=reference,
                    )
                )
                progress[reservation.id] = _progress(reservation, fulfilled=fulfilled + take)
                if needed == 0:
                    break
            for level in levels.sellable(key):
                take = min(needed, left[level.id])
                if take > 0:
                    left[level.id] -= take
                    needed -= take
                    changes.append(
                        Change(level.id, TransactionKind.FULFIL, on_hand=-take, reference=reference)
                    )
            if needed:
                raise InsufficientStock(
                    field=f"items[{line.position}].quantity",
                    sku=line.sku,
                    requested=line.quantity,
                    available=line.quantity - needed,
                )
        reservations.write(list(progress.values()))
        apply(session, tenant, levels, changes)
        return sum(-change.on_hand for change in changes)


def restock(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    reference: str,
    lines: Sequence[OrderLine],
) -> int:
    """Returned units go back on hand (ledger kind `return`): to the levels they were
    shipped from, the rest to the item's first active location (or its first level).
    Untracked items are ignored. How many units."""
    with acting_for(session, tenant):
        wanted = [line for line in lines if line.quantity > 0]
        levels = lock(session, store_id, {_key(line) for line in wanted})
        if not levels.rows:
            return 0
        reservations = ReservationRepository(session)
        shipped = [r for r in reservations.of_reference(reference) if r.fulfilled > r.returned]
        changes: list[Change] = []
        progress: dict[uuid.UUID, dict[str, Any]] = {}
        for line in sorted(wanted, key=lambda ln: ln.position):
            key = _key(line)
            if not levels.tracked(key):
                continue
            needed = line.quantity
            for reservation in _matching(shipped, line, levels):
                done = progress.get(reservation.id)
                returned = done["b_returned"] if done else reservation.returned
                take = min(needed, reservation.fulfilled - returned)
                if take <= 0:
                    continue
                needed -= take
                changes.append(
                    Change(
                        reservation.level_id,
                        TransactionKind.RETURN,
                        on_hand=take,
                        reference=reference,
                    )
                )
                progress[reservation.id] = _progress(reservation, returned=returned + take)
            if needed:
                home = (levels.sellable(key) or levels.by_key[key])[0]
                changes.append(
                    Change(home.id, TransactionKind.RETURN, on_hand=needed, reference=reference)
                )
        reservations.write(list(progress.values()))
        apply(session, tenant, levels, changes)
        return sum(change.on_hand for change in changes)


# -- helpers -------------------------------------------------------------------------------------


def _key(line: OrderLine) -> Key:
    return (line.product_id, line.variant_id)


def _held(reservation: Reservation) -> int:
    return reservation.quantity - reservation.fulfilled - reservation.released


def _matching(
    reservations: list[Reservation], line: OrderLine, levels: Levels
) -> list[Reservation]:
    """The reservations a shipped or returned line draws on: its own line's first (same
    position), then the order's other reservations of the same item; each in allocation
    order of their locations."""
    same = [
        r
        for r in reservations
        if r.product_id == line.product_id
        and r.variant_id == line.variant_id
        and r.level_id in levels.by_id
    ]

    def order(r: Reservation) -> tuple[bool, int, int, str]:
        level = levels.by_id[r.level_id]
        return (r.position != line.position, r.position, level.priority, level.code)

    return sorted(same, key=order)


def _progress(
    reservation: Reservation,
    *,
    fulfilled: int | None = None,
    released: int | None = None,
    returned: int | None = None,
) -> dict[str, Any]:
    fulfilled = reservation.fulfilled if fulfilled is None else fulfilled
    released = reservation.released if released is None else released
    if fulfilled + released < reservation.quantity:
        state = ReservationState.ACTIVE
    elif released:
        state = ReservationState.RELEASED
    else:
        state = ReservationState.FULFILLED
    return {
        "b_id": reservation.id,
        "b_fulfilled": fulfilled,
        "b_released": released,
        "b_returned": reservation.returned if returned is None else returned,
        "b_state": state.value,
        "b_now": utcnow(),
    }
