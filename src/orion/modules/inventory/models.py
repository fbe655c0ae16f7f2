"""Inventory models: stock locations, stock levels, the append-only ledger, reservations.

A level holds `on_hand` (the units at the location) and `reserved` (those promised to open
orders); `available = on_hand - reserved` is never negative (check constraints). Every
change of a level appends one ledger row per level touched, whose deltas are that change,
so per level the sum of `on_hand_delta` is `on_hand` and the sum of `reserved_delta` is
`reserved` (`orion inventory verify` proves it). Levels change in one place only
(services/ledger.py), under a row lock taken in level-id order.
After changing a model: `orion db revision --module inventory -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, TenantScoped, Timestamps, UUIDPrimaryKey, utcnow

TRANSACTION_KINDS = ("receive", "adjust", "transfer", "reserve", "release", "fulfil", "return")
MOVEMENT_KINDS = ("receipt", "adjustment", "transfer")
RESERVATION_STATES = ("active", "released", "fulfilled")

STORE_FK = "tenancy_store.id"
PRODUCT_FK = "catalog_product.id"
VARIANT_FK = "catalog_variant.id"


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class StockLocation(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A place stock is kept (a warehouse, a shop). Orders are served from the store's
    active locations, lowest `priority` first, then by code."""

    __tablename__ = "inventory_location"
    __table_args__ = (UniqueConstraint("store_id", "code"),)

    store_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(STORE_FK, ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=100)
    is_active: Mapped[bool] = mapped_column(default=True)


class StockLevel(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """The stock of one product (or one of its variants) at one location."""

    __tablename__ = "inventory_level"
    __table_args__ = (
        # One level per (location, product, variant); NULL variants are distinct in a
        # plain unique constraint, so the product-only levels have an index of their own.
        Index(
            "uq_inventory_level_location_product_variant",
            "location_id",
            "product_id",
            "variant_id",
            unique=True,
            sqlite_where=text("variant_id IS NOT NULL"),
            postgresql_where=text("variant_id IS NOT NULL"),
        ),
        Index(
            "uq_inventory_level_location_product",
            "location_id",
            "product_id",
            unique=True,
            sqlite_where=text("variant_id IS NULL"),
            postgresql_where=text("variant_id IS NULL"),
        ),
        Index("ix_inventory_level_store_id_product_id", "store_id", "product_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="available_not_negative"),
        CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
    )

    # Indexed by (store_id, product_id); the location by the unique indexes.
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(STORE_FK, ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_location.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PRODUCT_FK, ondelete="CASCADE"))
    variant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(VARIANT_FK, ondelete="CASCADE"), index=True
    )
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    # `inventory.stock_low` when available falls to it or below; None: no alert.
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer)


class StockMovement(UUIDPrimaryKey, TenantScoped, Base):
    """One receipt, adjustment or transfer as it was asked for: its ledger rows carry its
    id, and its idempotency key makes a replay return it instead of moving stock again."""

    __tablename__ = "inventory_movement"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        CheckConstraint(_one_of("kind", MOVEMENT_KINDS), name="kind"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(STORE_FK, ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[uuid.UUID | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # Digest of the request: the same key with other parameters is refused (409).
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InventoryTransaction(UUIDPrimaryKey, TenantScoped, Base):
    """One change of one level; never updated, never deleted (but with its level)."""

    __tablename__ = "inventory_transaction"
    __table_args__ = (
        Index("ix_inventory_transaction_store_id_created_at", "store_id", "created_at"),
        CheckConstraint(_one_of("kind", TRANSACTION_KINDS), name="kind"),
    )

    # Indexed by (store_id, created_at).
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(STORE_FK, ondelete="CASCADE"))
    level_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_level.id", ondelete="CASCADE"), index=True
    )
    # The level's location and item, kept on the row so the ledger reads on its own.
    location_id: Mapped[uuid.UUID]
    product_id: Mapped[uuid.UUID] = mapped_column(index=True)
    variant_id: Mapped[uuid.UUID | None]
    kind: Mapped[str] = mapped_column(String(16))
    on_hand_delta: Mapped[int] = mapped_column(Integer)
    reserved_delta: Mapped[int] = mapped_column(Integer)
    on_hand_after: Mapped[int] = mapped_column(Integer)
    reserved_after: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(200), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    movement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inventory_movement.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reservation(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """Units of one level promised to one order line. What is still held is
    `quantity - fulfilled - released`; `returned` counts the fulfilled units restocked."""

    __tablename__ = "inventory_reservation"
    __table_args__ = (
        Index("ix_inventory_reservation_state_expires_at", "state", "expires_at"),
        CheckConstraint(_one_of("state", RESERVATION_STATES), name="state"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("fulfilled >= 0 AND released >= 0", name="progress_not_negative"),
        CheckConstraint("fulfilled + released <= quantity", name="progress_within_quantity"),
        CheckConstraint("returned >= 0 AND returned <= fulfilled", name="returned_within"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(STORE_FK, ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(200), index=True)  # "order:<id>"
    level_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_level.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID]
    product_id: Mapped[uuid.UUID]
    variant_id: Mapped[uuid.UUID | None]
    position: Mapped[int] = mapped_column(Integer)  # the order line's
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    fulfilled: Mapped[int] = mapped_column(Integer, default=0)
    released: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="active")
    expires_at: Mapped[datetime | None]


class InventorySettings(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A store's inventory settings; a store without a row has the defaults."""

    __tablename__ = "inventory_settings"
    __table_args__ = (
        UniqueConstraint("store_id"),
        CheckConstraint("reservation_ttl_minutes > 0", name="ttl_positive"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(STORE_FK, ondelete="CASCADE"))
    # Reservations of unpaid orders are released this long after they were made; None
    # keeps them until the order is canceled or shipped.
    reservation_ttl_minutes: Mapped[int | None] = mapped_column(Integer)
