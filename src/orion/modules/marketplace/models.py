"""Marketplace models: a store's Letzshop key, product imports (with their checkpoint and
error rows), Letzshop shipments and their inventory units, every call made to Letzshop,
the vendor directory (platform-wide, public data) and exports.

After changing a model: `orion db revision --module marketplace -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import (
    Base,
    JSONType,
    TenantScoped,
    Timestamps,
    UTCDateTime,
    UUIDPrimaryKey,
)
from orion.kernel.data.languages import LANGUAGES

IMPORT_STATES = ("pending", "running", "succeeded", "failed", "stopped", "canceled")
POLICIES = ("stop", "skip", "dry_run")
EXPORT_KINDS = ("store_feed", "marketplace_csv")
EXPORT_STATES = ("pending", "running", "succeeded", "failed")
HISTORICAL_STATES = ("pending", "running", "succeeded", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _store_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("tenancy_store.id", ondelete="CASCADE"), index=True)


class LetzshopCredential(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A store's Letzshop API key, sealed with the kernel's SecretBox; only its last four
    characters are kept in clear (for the masked form)."""

    __tablename__ = "marketplace_credential"
    __table_args__ = (UniqueConstraint("store_id"),)

    store_id: Mapped[uuid.UUID] = _store_fk()
    api_key_encrypted: Mapped[str] = mapped_column(Text)
    key_last4: Mapped[str] = mapped_column(String(4))
    vendor_slug: Mapped[str | None] = mapped_column(String(200))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_ok: Mapped[bool | None] = mapped_column(Boolean)
    check_message: Mapped[str | None] = mapped_column(String(1000))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProductImport(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One product feed import. `byte_offset` and `rows_done` are the checkpoint: written
    in the transaction of each chunk, so a resumed import starts exactly after the last
    chunk committed."""

    __tablename__ = "marketplace_import"
    __table_args__ = (
        Index("ix_marketplace_import_store_id_created_at", "store_id", "created_at"),
        CheckConstraint(_one_of("state", IMPORT_STATES), name="state"),
        CheckConstraint(_one_of("policy", POLICIES), name="policy"),
        CheckConstraint(_one_of("language", LANGUAGES), name="language"),
    )

    store_id: Mapped[uuid.UUID] = _store_fk()
    language: Mapped[str] = mapped_column(String(2))
    policy: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    source_url: Mapped[str | None] = mapped_column(String(2000))
    filename: Mapped[str | None] = mapped_column(String(300))
    file_key: Mapped[str | None] = mapped_column(String(300))
    file_bytes: Mapped[int | None] = mapped_column(BigInteger)
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(1))
    header: Mapped[list[Any] | None] = mapped_column(JSONType)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    byte_offset: Mapped[int] = mapped_column(BigInteger, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    stock_count: Mapped[int] = mapped_column(Integer, default=0)
    rows_per_second: Mapped[int | None] = mapped_column(Integer)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_token: Mapped[str | None] = mapped_column(String(36))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    run_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    run_rows_start: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(2000))
    requested_by: Mapped[uuid.UUID | None] = mapped_column()


class ImportRowError(UUIDPrimaryKey, TenantScoped, Base):
    """A refused value of an import's row (the error report's lines)."""

    __tablename__ = "marketplace_import_error"
    __table_args__ = (Index("ix_marketplace_import_error_import_id_row", "import_id", "row"),)

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marketplace_import.id", ondelete="CASCADE")
    )
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(String(500))


class LetzshopShipment(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A Letzshop shipment (one vendor's part of a Letzshop order) and the order it became."""

    __tablename__ = "marketplace_shipment"
    __table_args__ = (
        UniqueConstraint("store_id", "letzshop_id"),
        Index("ix_marketplace_shipment_store_id_state", "store_id", "state"),
    )

    store_id: Mapped[uuid.UUID] = _store_fk()
    letzshop_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(32))
    order_number: Mapped[str] = mapped_column(String(100), index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    email: Mapped[str | None] = mapped_column(String(320))
    total: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str | None] = mapped_column(String(5))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tracking_code: Mapped[str | None] = mapped_column(String(200))
    tracking_provider: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16), default="sync")
    problem: Mapped[str | None] = mapped_column(String(1000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class LetzshopUnit(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One inventory unit of a shipment: one item (Letzshop has no quantities)."""

    __tablename__ = "marketplace_unit"
    __table_args__ = (UniqueConstraint("shipment_id", "letzshop_id"),)

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marketplace_shipment.id", ondelete="CASCADE"), index=True
    )
    letzshop_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(32))
    sku: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    price: Mapped[int | None] = mapped_column(BigInteger)


class LetzshopCall(UUIDPrimaryKey, TenantScoped, Base):
    """A request made to Letzshop and what it answered (or why it failed)."""

    __tablename__ = "marketplace_api_call"
    __table_args__ = (
        Index("ix_marketplace_api_call_store_id_created_at", "store_id", "created_at"),
    )

    store_id: Mapped[uuid.UUID] = _store_fk()
    operation: Mapped[str] = mapped_column(String(100))
    request: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(2000))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HistoricalImport(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """An import of every Letzshop shipment of a store as orders, with its summary."""

    __tablename__ = "marketplace_historical_import"
    __table_args__ = (CheckConstraint(_one_of("state", HISTORICAL_STATES), name="state"),)

    store_id: Mapped[uuid.UUID] = _store_fk()
    stock_policy: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(String(500))
    seen: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    existing_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(String(2000))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Vendor(UUIDPrimaryKey, Timestamps, Base):
    """A vendor of the Letzshop directory (public data: platform-wide, no tenant)."""

    __tablename__ = "marketplace_vendor"
    __table_args__ = (UniqueConstraint("slug"),)

    slug: Mapped[str] = mapped_column(String(200))
    letzshop_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    representative: Mapped[str | None] = mapped_column(String(300))
    categories: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    links: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    url: Mapped[str | None] = mapped_column(String(500))
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Export(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """An export's files (`files`: [{language, key, name, bytes, rows}])."""

    __tablename__ = "marketplace_export"
    __table_args__ = (
        CheckConstraint(_one_of("kind", EXPORT_KINDS), name="kind"),
        CheckConstraint(_one_of("state", EXPORT_STATES), name="state"),
    )

    store_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenancy_store.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    files: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(2000))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
