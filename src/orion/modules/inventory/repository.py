"""Inventory queries: one repository per model.

The kernel's filter limits every ORM query to the acting tenant, so no query here names
`tenant_id`. The writes of the hot paths (levels, ledger, reservations) are Core
statements on rows the tenant-filtered reads returned, each one statement for all rows
(an executemany or a multi-row INSERT); row-level security guards them on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from orion.kernel.data.repository import RepositoryBase
from orion.modules.inventory.exceptions import (
    LevelNotFound,
    LocationNotFound,
    ReservationNotFound,
)
from orion.modules.inventory.models import (
    InventorySettings,
    InventoryTransaction,
    Reservation,
    StockLevel,
    StockLocation,
    StockMovement,
)

Key = tuple[uuid.UUID, uuid.UUID | None]  # (product_id, variant_id)


def _insert_ignoring_duplicates(session: Session, model: type[Any], values: dict[str, Any]) -> bool:
    """INSERT unless the row breaks a unique index (any of them: the level's are partial
    indexes, which ON CONFLICT would have to name with their WHERE); True when inserted."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    table = model.__table__
    statement = (
        dialect_insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    )
    return session.execute(statement).first() is not None


def _expire(session: Session, model: type[Any], ids: Iterable[uuid.UUID]) -> None:
    """Forget what the identity map holds of rows a Core statement just changed."""
    for row_id in ids:
        held = session.identity_map.get(identity_key(model, row_id))
        if held is not None:
            session.expire(held)


class LocationRepository(RepositoryBase[StockLocation]):
    model = StockLocation
    not_found = LocationNotFound
    label = "location"

    def of_store(self, store_id: uuid.UUID) -> Any:
        """The store's locations in allocation order (priority, then code)."""
        return (
            self.select()
            .where(StockLocation.store_id == store_id)
            .order_by(StockLocation.priority, StockLocation.code)
        )

    def in_store(self, store_id: uuid.UUID, location_id: uuid.UUID) -> StockLocation:
        location = self.find(location_id)
        if location is None or location.store_id != store_id:
            raise LocationNotFound(f"location {location_id} does not exist")
        return location

    def by_code(self, store_id: uuid.UUID, code: str) -> StockLocation | None:
        return self.first(
            self.select().where(StockLocation.store_id == store_id, StockLocation.code == code)
        )

    def has_levels(self, location_id: uuid.UUID) -> bool:
        query = select(StockLevel.id).where(StockLevel.location_id == location_id).limit(1)
        return self.session.scalar(query) is not None


class LevelRepository(RepositoryBase[StockLevel]):
    model = StockLevel
    not_found = LevelNotFound
    label = "stock level"

    def ensure(
        self,
        *,
        tenant_id: uuid.UUID,
        store_id: uuid.UUID,
        location_id: uuid.UUID,
        product_id: uuid.UUID,
        variant_id: uuid.UUID | None,
    ) -> None:
        """The level exists afterwards (made empty if it did not; safe under concurrency)."""
        _insert_ignoring_duplicates(
            self.session,
            StockLevel,
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "store_id": store_id,
                "location_id": location_id,
                "product_id": product_id,
                "variant_id": variant_id,
                "on_hand": 0,
                "reserved": 0,
            },
        )

    def lock(
        self, store_id: uuid.UUID, keys: Collection[Key], *, with_ttl: bool = False
    ) -> list[Row[Any]]:
        """Every level of these items in the store, with its location's state, locked
        until commit (SELECT ... FOR UPDATE, in level-id order: two transactions locking
        overlapping levels queue instead of deadlocking). One statement; `with_ttl` adds
        the store's reservation expiry as a last column (0: kept; NULL: the default)."""
        if not keys:
            return []
        columns: list[Any] = [
            StockLevel.id,
            StockLevel.location_id,
            StockLevel.product_id,
            StockLevel.variant_id,
            StockLevel.on_hand,
            StockLevel.reserved,
            StockLevel.low_stock_threshold,
            StockLocation.is_active,
            StockLocation.priority,
            StockLocation.code,
        ]
        if with_ttl:
            columns.append(
                select(func.coalesce(InventorySettings.reservation_ttl_minutes, 0))
                .where(InventorySettings.store_id == store_id)
                .scalar_subquery()
            )
        query = (
            select(*columns)
            .join(StockLocation, StockLocation.id == StockLevel.location_id)
            .where(StockLevel.store_id == store_id, or_(*(_is_item(key) for key in keys)))
            .order_by(StockLevel.id)
            .with_for_update(of=StockLevel)
        )
        return list(self.session.execute(query).all())

    def write(self, values: Sequence[Mapping[str, Any]]) -> None:
        """Set on_hand and reserved of each level (`b_id`, `b_on_hand`, `b_reserved`,
        `b_now`): one executemany."""
        table = StockLevel.__table__
        self.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                on_hand=bindparam("b_on_hand"),
                reserved=bindparam("b_reserved"),
                updated_at=bindparam("b_now"),
            ),
            list(values),
        )
        _expire(self.session, StockLevel, (v["b_id"] for v in values))

    def of_location(self, location_id: uuid.UUID) -> list[Key]:
        query = (
            select(StockLevel.product_id, StockLevel.variant_id)
            .where(StockLevel.location_id == location_id)
            .distinct()
        )
        return [(row[0], row[1]) for row in self.session.execute(query)]

    def one(
        self, location_id: uuid.UUID, product_id: uuid.UUID, variant_id: uuid.UUID | None
    ) -> StockLevel | None:
        query = self.select().where(
            StockLevel.location_id == location_id, _is_item((product_id, variant_id))
        )
        return self.first(query.execution_options(populate_existing=True))

    def stock_states(self) -> tuple[int, int, int]:
        """(levels, out of stock, low but not out) over the tenant's levels."""
        available = StockLevel.on_hand - StockLevel.reserved
        low = (available > 0) & (available <= StockLevel.low_stock_threshold)
        query = select(
            func.count(),
            func.coalesce(func.sum(case((available <= 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((low, 1), else_=0)), 0),
        ).select_from(StockLevel)
        levels, out, low_count = self.session.execute(query).one()
        return int(levels), int(out), int(low_count)


def _is_item(key: Key) -> Any:
    product_id, variant_id = key
    if variant_id is None:
        return and_(StockLevel.product_id == product_id, StockLevel.variant_id.is_(None))
    return and_(StockLevel.product_id == product_id, StockLevel.variant_id == variant_id)


class TransactionRepository(RepositoryBase[InventoryTransaction]):
    model = InventoryTransaction
    label = "inventory transaction"

    def append(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """The ledger rows, in one statement."""
        if rows:
            self.session.execute(insert(InventoryTransaction.__table__), list(rows))

    def of_movement(self, movement_id: uuid.UUID) -> list[InventoryTransaction]:
        return self.list(
            self.select()
            .where(InventoryTransaction.movement_id == movement_id)
            .order_by(InventoryTransaction.on_hand_delta, InventoryTransaction.id)
        )


class MovementRepository(RepositoryBase[StockMovement]):
    model = StockMovement
    label = "stock movement"

    def claim(self, values: dict[str, Any]) -> bool:
        """Insert the movement unless its idempotency key is taken (True when inserted);
        on PostgreSQL a concurrent twin waits for the first to commit, then gives way."""
        return _insert_ignoring_duplicates(self.session, StockMovement, values)

    def by_key(self, key: str) -> StockMovement | None:
        return self.first(self.select().where(StockMovement.idempotency_key == key))


class ReservationRepository(RepositoryBase[Reservation]):
    model = Reservation
    not_found = ReservationNotFound
    label = "reservation"

    def add_all(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """The reservations, in one statement."""
        if rows:
            self.session.execute(insert(Reservation.__table__), list(rows))

    def keys_of(self, reference: str, *, active_only: bool = True) -> list[Key]:
        query = select(Reservation.product_id, Reservation.variant_id).where(
            Reservation.reference == reference
        )
        if active_only:
            query = query.where(Reservation.state == "active")
        return [(row[0], row[1]) for row in self.session.execute(query.distinct())]

    def of_reference(
        self, reference: str, *, state: str | None = None, expired_by: Any = None
    ) -> list[Reservation]:
        """The reference's reservations as the database has them now (read after the
        levels are locked, so no other transaction is changing them)."""
        query = self.select().where(Reservation.reference == reference)
        if state is not None:
            query = query.where(Reservation.state == state)
        if expired_by is not None:
            query = query.where(Reservation.expires_at <= expired_by)
        return self.list(
            query.order_by(
                Reservation.position, Reservation.created_at, Reservation.id
            ).execution_options(populate_existing=True)
        )

    def write(self, values: Sequence[Mapping[str, Any]]) -> None:
        """Progress of each reservation (`b_id`, `b_fulfilled`, `b_released`,
        `b_returned`, `b_state`, `b_now`): one executemany."""
        if not values:
            return
        table = Reservation.__table__
        self.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                fulfilled=bindparam("b_fulfilled"),
                released=bindparam("b_released"),
                returned=bindparam("b_returned"),
                state=bindparam("b_state"),
                updated_at=bindparam("b_now"),
            ),
            list(values),
        )
        _expire(self.session, Reservation, (v["b_id"] for v in values))

    def keep(self, reference: str) -> int:
        """The reference's active reservations no longer expire (the order was paid)."""
        result = self.session.execute(
            update(Reservation)
            .where(
                Reservation.reference == reference,
                Reservation.state == "active",
                Reservation.expires_at.is_not(None),
            )
            .values(expires_at=None)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


class SettingsRepository(RepositoryBase[InventorySettings]):
    model = InventorySettings
    label = "inventory settings"

    def of_store(self, store_id: uuid.UUID) -> InventorySettings | None:
        query = self.select().where(InventorySettings.store_id == store_id)
        return self.first(query.execution_options(populate_existing=True))
