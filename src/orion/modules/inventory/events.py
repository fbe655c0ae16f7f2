"""Events inventory publishes: its public contract with the other modules.

Both level events are published in the transaction that changed the level, once per level
and crossing (a level that stays low does not announce it again).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from orion.kernel.runtime.events import Event


class StockLow(Event):
    """A level's available stock fell to its low-stock threshold or below it (it was
    above before)."""

    name: ClassVar[str] = "inventory.stock_low"

    store_id: uuid.UUID
    location_id: uuid.UUID
    level_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    available: int
    threshold: int


class OutOfStock(Event):
    """A level's available stock reached 0 (it was above before)."""

    name: ClassVar[str] = "inventory.out_of_stock"

    store_id: uuid.UUID
    location_id: uuid.UUID
    level_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None


class ReservationsExpired(Event):
    """An order's reservations were released because it was not paid in time (orders may
    cancel it)."""

    name: ClassVar[str] = "inventory.reservations_expired"

    store_id: uuid.UUID
    reference: str
    quantity: int
