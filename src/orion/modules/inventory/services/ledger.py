"""The one way a level changes.

1. `lock` reads every level of the items involved, in the store, with one
   SELECT ... FOR UPDATE in level-id order (all of a transaction's levels in one statement,
   so two transactions never hold each other's rows: they queue).
2. The caller plans its changes on what it read (the values under the lock are the values
   it writes over) and hands them to `apply`, which writes every level touched in one
   executemany UPDATE, appends one ledger row per change in one multi-row INSERT, tells
   the catalog each item's new availability (`catalog.services.record_stock`, the sum over
   the store's active locations), and publishes `inventory.stock_low` /
   `inventory.out_of_stock` for the levels that crossed.

The callers act for the tenant (`acting_for`); the ORM reads here are tenant-filtered.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime.events import publish
from orion.modules.catalog import services as catalog
from orion.modules.inventory.events import OutOfStock, StockLow
from orion.modules.inventory.exceptions import InsufficientStock
from orion.modules.inventory.repository import Key, LevelRepository, TransactionRepository
from orion.modules.inventory.schemas import DEFAULT_RESERVATION_TTL_MINUTES, TransactionKind


@dataclass
class Locked:
    """A level as read under its lock; `apply` keeps `on_hand`/`reserved` current."""

    id: uuid.UUID
    location_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    on_hand: int
    reserved: int
    threshold: int | None
    active: bool
    priority: int
    code: str

    @property
    def key(self) -> Key:
        return (self.product_id, self.variant_id)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class Levels:
    """The locked levels of some items in one store."""

    store_id: uuid.UUID
    rows: list[Locked]
    # Reservation expiry of the store in minutes (None: kept), read with the lock.
    ttl_minutes: int | None = DEFAULT_RESERVATION_TTL_MINUTES
    by_id: dict[uuid.UUID, Locked] = field(init=False)
    by_key: dict[Key, list[Locked]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {level.id: level for level in self.rows}
        self.by_key = {}
        for level in sorted(self.rows, key=lambda lv: (lv.priority, lv.code)):
            self.by_key.setdefault(level.key, []).append(level)

    def tracked(self, key: Key) -> bool:
        """The item has a level in the store: its stock is counted (and enforced)."""
        return key in self.by_key

    def sellable(self, key: Key) -> list[Locked]:
        """The item's levels at active locations, in allocation order."""
        return [level for level in self.by_key.get(key, ()) if level.active]

    def at(self, location_id: uuid.UUID, key: Key) -> Locked | None:
        return next((lv for lv in self.by_key.get(key, ()) if lv.location_id == location_id), None)

    def available(self, key: Key) -> int:
        """What the store can sell of the item: the sum over its active locations."""
        return sum(level.available for level in self.sellable(key))


def lock(
    session: Session, store_id: uuid.UUID, keys: Collection[Key], *, with_ttl: bool = False
) -> Levels:
    rows = LevelRepository(session).lock(store_id, keys, with_ttl=with_ttl)
    levels = Levels(store_id, [Locked(*row[:10]) for row in rows])
    if with_ttl and rows:
        stored = rows[0][10]  # NULL: no settings row (the default); 0: kept
        levels.ttl_minutes = DEFAULT_RESERVATION_TTL_MINUTES if stored is None else stored or None
    return levels


@dataclass(frozen=True)
class Change:
    level_id: uuid.UUID
    kind: TransactionKind
    on_hand: int = 0  # delta
    reserved: int = 0  # delta
    reference: str | None = None
    reason: str | None = None
    movement_id: uuid.UUID | None = None


def apply(
    session: Session,
    tenant: TenantContext,
    levels: Levels,
    changes: Iterable[Change],
    *,
    actor_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Write the changes (see the module's docstring); the ledger rows written."""
    now = utcnow()
    before = {level.id: level.available for level in levels.rows}
    entries: list[dict[str, Any]] = []
    for change in changes:
        level = levels.by_id[change.level_id]
        level.on_hand += change.on_hand
        level.reserved += change.reserved
        if level.on_hand < 0 or level.reserved < 0 or level.reserved > level.on_hand:
            # The callers plan within what they locked; this guards the constraints.
            raise InsufficientStock(
                field="quantity",
                sku=None,
                requested=-change.on_hand or change.reserved,
                available=before[level.id],
            )
        entries.append(
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant.tenant_id,
                "store_id": levels.store_id,
                "level_id": level.id,
                "location_id": level.location_id,
                "product_id": level.product_id,
                "variant_id": level.variant_id,
                "kind": str(change.kind),
                "on_hand_delta": change.on_hand,
                "reserved_delta": change.reserved,
                "on_hand_after": level.on_hand,
                "reserved_after": level.reserved,
                "reference": change.reference,
                "reason": change.reason,
                "movement_id": change.movement_id,
                "actor_id": actor_id,
                "created_at": now,
            }
        )
    if not entries:
        return entries
    touched = sorted({entry["level_id"] for entry in entries})
    LevelRepository(session).write(
        [
            {
                "b_id": level_id,
                "b_on_hand": levels.by_id[level_id].on_hand,
                "b_reserved": levels.by_id[level_id].reserved,
                "b_now": now,
            }
            for level_id in touched
        ]
    )
    TransactionRepository(session).append(entries)
    keys = sorted({levels.by_id[level_id].key for level_id in touched}, key=_key_order)
    record(session, tenant, levels, keys)
    for level_id in touched:
        _announce(session, tenant, levels, levels.by_id[level_id], before=before[level_id])
    return entries


def record(session: Session, tenant: TenantContext, levels: Levels, keys: Iterable[Key]) -> None:
    """Tell the catalog what the store can sell of each item now (in a fixed order, so
    concurrent callers update the catalog's rows in the same order)."""
    for product_id, variant_id in keys:
        catalog.record_stock(
            session,
            tenant,
            store_id=levels.store_id,
            product_id=product_id,
            variant_id=variant_id,
            available=levels.available((product_id, variant_id)),
        )


def _key_order(key: Key) -> tuple[str, str]:
    return (str(key[0]), str(key[1] or ""))


def _announce(
    session: Session, tenant: TenantContext, levels: Levels, level: Locked, *, before: int
) -> None:
    after = level.available
    threshold = level.threshold
    common = {
        "tenant_id": tenant.tenant_id,
        "store_id": levels.store_id,
        "location_id": level.location_id,
        "level_id": level.id,
        "product_id": level.product_id,
        "variant_id": level.variant_id,
    }
    if threshold is not None and before > threshold >= after:
        publish(session, StockLow(**common, available=after, threshold=threshold))
    if before > 0 == after:
        publish(session, OutOfStock(**common))
