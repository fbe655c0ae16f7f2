"""Inventory DTOs: what the API and the console accept and answer. Quantities are whole
units (integers); a level's `available` is `on_hand - reserved`."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from orion.kernel.data.paging import KeysetListing, Listing

MAX_QUANTITY = 10**9  # far below the INTEGER columns' limit

Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY, strict=True)]
LocationCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Threshold = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]


class TransactionKind(StrEnum):
    RECEIVE = "receive"
    ADJUST = "adjust"
    TRANSFER = "transfer"
    RESERVE = "reserve"
    RELEASE = "release"
    FULFIL = "fulfil"
    RETURN = "return"


class ReservationState(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    FULFILLED = "fulfilled"


class AdjustmentMode(StrEnum):
    DELTA = "delta"  # add (or, negative, take away) `quantity` units
    SET = "set"  # a count: on hand becomes `quantity`


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- locations -----------------------------------------------------------------------------


class LocationCreate(_Input):
    code: LocationCode
    name: str = Field(min_length=1, max_length=200)
    # Orders are served from the lowest priority first (then by code).
    priority: int = Field(default=100, ge=0, le=10_000)
    is_active: bool = True


class LocationUpdate(_Input):
    """A partial update: only the fields sent change."""

    code: LocationCode | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    priority: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool | None = None

    @field_validator("code", "name", "priority", "is_active")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class LocationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    code: str
    name: str
    priority: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


LocationsPublic = Listing[LocationPublic]


# -- levels --------------------------------------------------------------------------------


class LevelPublic(BaseModel):
    """A level with its item's SKU and title (from the catalog)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    location_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str | None = None
    title: str | None = None
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int | None
    is_low: bool
    updated_at: datetime


LevelsPublic = Listing[LevelPublic]


class LevelUpdate(_Input):
    """`low_stock_threshold`: announce `inventory.stock_low` when available falls to it or
    below; null turns the alert off."""

    low_stock_threshold: Threshold | None


# -- movements -----------------------------------------------------------------------------


class ReceiptCreate(_Input):
    """Units arrived at a location (a delivery from a supplier)."""

    location_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None = None
    quantity: Quantity
    reason: Reason | None = None
    reference: str | None = Field(default=None, max_length=200)  # a delivery note


class AdjustmentCreate(_Input):
    """A correction with its reason: `delta` adds `quantity` (negative: takes away);
    `set` is a count, on hand becomes `quantity`."""

    location_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None = None
    mode: AdjustmentMode = AdjustmentMode.DELTA
    quantity: int = Field(strict=True, ge=-MAX_QUANTITY, le=MAX_QUANTITY)
    reason: Reason

    @field_validator("quantity")
    @classmethod
    def _fits_the_mode(cls, quantity: int, info: ValidationInfo) -> int:
        mode = info.data.get("mode", AdjustmentMode.DELTA)
        if mode == AdjustmentMode.SET and quantity < 0:
            raise ValueError("a count cannot be negative")
        if mode == AdjustmentMode.DELTA and quantity == 0:
            raise ValueError("an adjustment moves a non-zero quantity")
        return quantity


class TransferCreate(_Input):
    """Units moved from one location of the store to another."""

    from_location_id: uuid.UUID
    to_location_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None = None
    quantity: Quantity
    reason: Reason | None = None

    @field_validator("to_location_id")
    @classmethod
    def _elsewhere(cls, to_location: uuid.UUID, info: ValidationInfo) -> uuid.UUID:
        if to_location == info.data.get("from_location_id"):
            raise ValueError("must be another location than from_location_id")
        return to_location


class InventoryTransactionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    level_id: uuid.UUID
    location_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    kind: TransactionKind
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    reserved_after: int
    reference: str | None
    reason: str | None
    movement_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    created_at: datetime


InventoryTransactionsPublic = KeysetListing[InventoryTransactionPublic]


class MovementPublic(BaseModel):
    """A receipt, adjustment or transfer and the ledger rows it wrote (one per level)."""

    id: uuid.UUID
    store_id: uuid.UUID
    kind: str
    reason: str | None
    reference: str | None
    actor_id: uuid.UUID | None
    idempotency_key: str | None
    created_at: datetime
    transactions: list[InventoryTransactionPublic]


# -- reservations ----------------------------------------------------------------------------


class ReservationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    reference: str
    level_id: uuid.UUID
    location_id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    position: int
    sku: str
    quantity: int
    fulfilled: int
    released: int
    returned: int
    state: ReservationState
    expires_at: datetime | None
    created_at: datetime


ReservationsPublic = Listing[ReservationPublic]


# -- settings and checks -------------------------------------------------------------------


DEFAULT_RESERVATION_TTL_MINUTES = 24 * 60


class InventorySettingsPublic(BaseModel):
    store_id: uuid.UUID
    reservation_ttl_minutes: int | None


class InventorySettingsUpdate(_Input):
    """`reservation_ttl_minutes`: an unpaid order's reservations are released this long
    after it was placed (default 1440, a day); null keeps them until the order is canceled
    or shipped. Applies to the reservations made after the change."""

    reservation_ttl_minutes: int | None = Field(ge=1, le=366 * 24 * 60)


class LevelCheck(BaseModel):
    """One level against its ledger and its reservations."""

    level_id: uuid.UUID
    tenant_id: uuid.UUID
    store_id: uuid.UUID
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int
    reservations_held: int

    @property
    def ok(self) -> bool:
        return (
            self.on_hand == self.ledger_on_hand
            and self.reserved == self.ledger_reserved == self.reservations_held
        )


class VerifyReport(BaseModel):
    checked: int
    mismatches: list[LevelCheck]
