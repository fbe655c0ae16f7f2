"""What the inventory shows: levels (with the catalog's SKU and title), the ledger,
reservations, and the proof that every level equals its ledger."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Keyset, Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.catalog import services as catalog
from orion.modules.inventory.models import InventoryTransaction, Reservation, StockLevel
from orion.modules.inventory.repository import (
    LevelRepository,
    ReservationRepository,
    TransactionRepository,
)
from orion.modules.inventory.schemas import (
    InventoryTransactionsPublic,
    LevelCheck,
    LevelsPublic,
    LevelUpdate,
    ReservationsPublic,
    ReservationState,
    TransactionKind,
    VerifyReport,
)

AVAILABLE = StockLevel.on_hand - StockLevel.reserved
# Low: at or below the level's threshold, or nothing left to sell.
IS_LOW = or_(
    AVAILABLE <= 0,
    and_(StockLevel.low_stock_threshold.is_not(None), StockLevel.low_stock_threshold >= AVAILABLE),
)


def levels_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_id: uuid.UUID | None = None,
    variant_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    low_stock: bool | None = None,
    page: Page | None = None,
) -> LevelsPublic:
    """The store's levels, by product then location; SKU and title from the catalog (one
    query per page)."""
    with acting_for(session, tenant):
        levels = LevelRepository(session)
        query = levels.select().where(StockLevel.store_id == store_id)
        if product_id is not None:
            query = query.where(StockLevel.product_id == product_id)
        if variant_id is not None:
            query = query.where(StockLevel.variant_id == variant_id)
        if location_id is not None:
            query = query.where(StockLevel.location_id == location_id)
        if low_stock is not None:
            query = query.where(IS_LOW if low_stock else ~IS_LOW)

        def labels(rows: list[dict[str, Any]]) -> None:
            found = catalog.product_labels(
                session, tenant, store_id=store_id, product_ids={r["product_id"] for r in rows}
            )
            for row in rows:
                label = found.get(row["variant_id"] or row["product_id"])
                row["sku"], row["title"] = (label.sku, label.title) if label else (None, None)

        return levels.listing(
            LevelsPublic,
            query,
            page,
            StockLevel.product_id,
            StockLevel.variant_id,
            StockLevel.location_id,
            columns={
                "available": AVAILABLE.label("available"),
                "is_low": IS_LOW.label("is_low"),
                "sku": None,
                "title": None,
            },
            derive=labels,
        )


def get_level(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, level_id: uuid.UUID
) -> StockLevel:
    with acting_for(session, tenant):
        level = LevelRepository(session).get(level_id)
        if level.store_id != store_id:
            raise LevelRepository.not_found(f"stock level {level_id} does not exist")
        return level


def update_level(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    level_id: uuid.UUID,
    data: LevelUpdate,
) -> LevelsPublic:
    """Set the level's low-stock threshold; the level as the list shows it."""
    with acting_for(session, tenant):
        level = get_level(session, tenant, store_id=store_id, level_id=level_id)
        level.low_stock_threshold = data.low_stock_threshold
        session.flush()
        return levels_listing(
            session,
            tenant,
            store_id=store_id,
            product_id=level.product_id,
            variant_id=level.variant_id,
            location_id=level.location_id,
        )


def transactions_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    page: Keyset,
    product_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    level_id: uuid.UUID | None = None,
    kind: TransactionKind | None = None,
    reference: str | None = None,
) -> InventoryTransactionsPublic:
    """The store's ledger, newest first, a keyset page at a time."""
    with acting_for(session, tenant):
        ledger = TransactionRepository(session)
        query = ledger.select().where(InventoryTransaction.store_id == store_id)
        for column, value in (
            (InventoryTransaction.product_id, product_id),
            (InventoryTransaction.location_id, location_id),
            (InventoryTransaction.level_id, level_id),
            (InventoryTransaction.kind, kind.value if kind else None),
            (InventoryTransaction.reference, reference),
        ):
            if value is not None:
                query = query.where(column == value)
        return ledger.keyset_listing(
            InventoryTransactionsPublic,
            query,
            page,
            order_by=InventoryTransaction.created_at,
            descending=True,
        )


def reservations_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    reference: str | None = None,
    state: ReservationState | None = None,
    page: Page | None = None,
) -> ReservationsPublic:
    """The store's reservations, newest first."""
    with acting_for(session, tenant):
        reservations = ReservationRepository(session)
        query = reservations.select().where(Reservation.store_id == store_id)
        if reference is not None:
            query = query.where(Reservation.reference == reference)
        if state is not None:
            query = query.where(Reservation.state == state.value)
        return reservations.listing(
            ReservationsPublic, query, page, Reservation.created_at.desc(), Reservation.position
        )


def verify(session: Session, *, tenant: TenantContext | None = None) -> VerifyReport:
    """Every level (of one tenant, or of all) against the sums of its ledger rows and what
    its active reservations hold."""
    ledger = (
        select(
            InventoryTransaction.level_id.label("level_id"),
            func.sum(InventoryTransaction.on_hand_delta).label("on_hand"),
            func.sum(InventoryTransaction.reserved_delta).label("reserved"),
        )
        .group_by(InventoryTransaction.level_id)
        .subquery()
    )
    held = (
        select(
            Reservation.level_id.label("level_id"),
            func.sum(Reservation.quantity - Reservation.fulfilled - Reservation.released).label(
                "held"
            ),
        )
        .where(Reservation.state == ReservationState.ACTIVE.value)
        .group_by(Reservation.level_id)
        .subquery()
    )
    query = (
        select(
            StockLevel.id,
            StockLevel.tenant_id,
            StockLevel.store_id,
            StockLevel.on_hand,
            StockLevel.reserved,
            func.coalesce(ledger.c.on_hand, 0),
            func.coalesce(ledger.c.reserved, 0),
            func.coalesce(held.c.held, 0),
        )
        .outerjoin(ledger, ledger.c.level_id == StockLevel.id)
        .outerjoin(held, held.c.level_id == StockLevel.id)
        .order_by(StockLevel.tenant_id, StockLevel.id)
    )
    if tenant is not None:
        with acting_for(session, tenant):
            rows = session.execute(query).all()
    else:
        with all_tenants(session):
            rows = session.execute(query).all()
    checks = [
        LevelCheck(
            level_id=row[0],
            tenant_id=row[1],
            store_id=row[2],
            on_hand=row[3],
            reserved=row[4],
            ledger_on_hand=int(row[5]),
            ledger_reserved=int(row[6]),
            reservations_held=int(row[7]),
        )
        for row in rows
    ]
    return VerifyReport(checked=len(checks), mismatches=[c for c in checks if not c.ok])
