"""Marketplace DTOs: what the API and the console accept and answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from orion.kernel.data.languages import Language
from orion.kernel.data.paging import Listing


class ImportPolicy(StrEnum):
    stop = "stop"  # refuse the whole file at its first bad row; nothing is written
    skip = "skip"  # import the good rows, report the bad ones
    dry_run = "dry_run"  # check and count everything, write nothing


class StockPolicy(StrEnum):
    skip = "skip"  # orders are recorded, stock is left as it is
    deduct = "deduct"  # the units sold leave the stock


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- credentials -------------------------------------------------------------------------------


class CredentialUpdate(_Input):
    api_key: str = Field(min_length=8, max_length=500, description="The Letzshop API key")
    vendor_slug: str | None = Field(default=None, max_length=200)


class CredentialPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    store_id: uuid.UUID
    masked_key: str
    vendor_slug: str | None
    checked_at: datetime | None
    check_ok: bool | None
    check_message: str | None
    last_sync_at: datetime | None


# -- product imports ---------------------------------------------------------------------------


class ImportFromUrl(_Input):
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://\S+$")
    language: Language
    policy: ImportPolicy = ImportPolicy.skip


class ImportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    language: str
    policy: ImportPolicy
    state: str
    source_url: str | None
    filename: str | None
    file_bytes: int | None
    encoding: str | None
    delimiter: str | None
    rows_total: int | None
    rows_done: int
    created_count: int
    updated_count: int
    unchanged_count: int
    failed_count: int
    stock_count: int
    rows_per_second: int | None
    cancel_requested: bool
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def eta_seconds(self) -> int | None:
        """Seconds left at the current rate (None before the rate is known)."""
        if self.state != "running" or not self.rows_per_second or self.rows_total is None:
            return None
        return max(0, self.rows_total - self.rows_done) // max(1, self.rows_per_second)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.state == "succeeded" else 0
        return min(100, self.rows_done * 100 // self.rows_total)


ImportsPublic = Listing[ImportPublic]


class ImportErrorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row: int
    column: str
    value: str
    message: str


ImportErrorsPublic = Listing[ImportErrorPublic]


# -- shipments and orders ----------------------------------------------------------------------


class UnitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    letzshop_id: str
    state: str
    sku: str | None
    title: str | None
    price: int | None


class ShipmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    letzshop_id: str
    number: str
    state: str
    order_number: str
    order_id: uuid.UUID | None
    email: str | None
    total: int | None
    completed_at: datetime | None
    tracking_code: str | None
    tracking_provider: str | None
    source: str
    problem: str | None
    units: list[UnitPublic] = Field(default_factory=list)


ShipmentsPublic = Listing[ShipmentPublic]


class UnitDecision(_Input):
    unit_id: uuid.UUID
    available: bool


class ConfirmUnits(_Input):
    """Confirm (`available: true`) or decline units one by one; `all`: the shipment's
    unconfirmed units, each as `available`."""

    units: list[UnitDecision] = Field(default_factory=list, max_length=500)
    all: bool | None = Field(default=None, description="true confirms all, false declines all")


class TrackingUpdate(_Input):
    code: str = Field(min_length=1, max_length=200)
    provider: str = Field(default="greco", min_length=1, max_length=100)


class ReturnCreate(_Input):
    unit_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    restock: bool = True
    reason: str | None = Field(default=None, max_length=500)


class CallPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    operation: str
    request: dict[str, Any]
    status_code: int | None
    response: str | None
    error: str | None
    attempt: int
    duration_ms: int
    created_at: datetime


CallsPublic = Listing[CallPublic]


class HistoricalImportCreate(_Input):
    stock_policy: StockPolicy = StockPolicy.skip


class HistoricalImportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    stock_policy: StockPolicy
    state: str
    pages_done: int
    seen: int
    created_count: int
    existing_count: int
    failed_count: int
    problems: list[Any]
    error: str | None
    created_at: datetime
    finished_at: datetime | None


HistoricalImportsPublic = Listing[HistoricalImportPublic]


class SyncSummary(BaseModel):
    seen: int = 0
    created: int = 0
    existing: int = 0
    failed: int = 0
    problems: list[str] = Field(default_factory=list)


# -- directory ---------------------------------------------------------------------------------


class VendorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    representative: str | None
    categories: list[Any]
    links: dict[str, Any]
    url: str | None
    is_listed: bool
    last_seen_at: datetime
    left_at: datetime | None


VendorsPublic = Listing[VendorPublic]


class DirectorySummary(BaseModel):
    seen: int
    added: int
    updated: int
    left: int


# -- exports -----------------------------------------------------------------------------------


class ExportKind(StrEnum):
    store_feed = "store_feed"
    marketplace_csv = "marketplace_csv"


class ExportCreate(_Input):
    kind: ExportKind = ExportKind.store_feed


class ExportFile(BaseModel):
    name: str
    language: str | None
    bytes: int
    rows: int


class ExportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID | None
    kind: ExportKind
    state: str
    files: list[ExportFile]
    rows: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


ExportsPublic = Listing[ExportPublic]
