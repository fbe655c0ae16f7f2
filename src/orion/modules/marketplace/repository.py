"""Queries on the marketplace models. Tenant filtering is the kernel's; the store is ours."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.marketplace.exceptions import (
    ExportNotFound,
    HistoricalImportNotFound,
    ImportNotFound,
    ShipmentNotFound,
    UnitNotFound,
)
from orion.modules.marketplace.models import (
    Export,
    HistoricalImport,
    ImportRowError,
    LetzshopCall,
    LetzshopCredential,
    LetzshopShipment,
    LetzshopUnit,
    ProductImport,
    Vendor,
)


class _InStore:
    model: type
    not_found: type

    def get_in(self, store_id: uuid.UUID, row_id: uuid.UUID, *, lock: bool = False):  # type: ignore[no-untyped-def]
        row = self.find(row_id, lock=lock)  # type: ignore[attr-defined]
        if row is None or row.store_id != store_id:
            raise self.not_found(f"{self._label()} {row_id} does not exist")  # type: ignore[attr-defined]
        return row

    def in_store(self, store_id: uuid.UUID) -> Select:  # type: ignore[type-arg]
        return select(self.model).where(self.model.store_id == store_id)  # type: ignore[attr-defined]


class CredentialRepository(RepositoryBase[LetzshopCredential]):
    model = LetzshopCredential

    def of_store(self, store_id: uuid.UUID) -> LetzshopCredential | None:
        return self.first(self.select().where(LetzshopCredential.store_id == store_id))


class ImportRepository(_InStore, RepositoryBase[ProductImport]):
    model = ProductImport
    not_found = ImportNotFound
    label = "import"


class ImportErrorRepository(RepositoryBase[ImportRowError]):
    model = ImportRowError

    def of_import(self, import_id: uuid.UUID) -> Select[tuple[ImportRowError]]:
        return self.select().where(ImportRowError.import_id == import_id)


class ShipmentRepository(_InStore, RepositoryBase[LetzshopShipment]):
    model = LetzshopShipment
    not_found = ShipmentNotFound
    label = "shipment"

    def by_letzshop_id(self, store_id: uuid.UUID, letzshop_id: str) -> LetzshopShipment | None:
        return self.first(
            self.in_store(store_id).where(LetzshopShipment.letzshop_id == letzshop_id)
        )


class UnitRepository(RepositoryBase[LetzshopUnit]):
    model = LetzshopUnit
    not_found = UnitNotFound
    label = "inventory unit"

    def of(self, shipment_ids: list[uuid.UUID]) -> list[LetzshopUnit]:
        if not shipment_ids:
            return []
        return self.list(
            self.select()
            .where(LetzshopUnit.shipment_id.in_(shipment_ids))
            .order_by(LetzshopUnit.shipment_id, LetzshopUnit.letzshop_id)
        )


class CallRepository(_InStore, RepositoryBase[LetzshopCall]):
    model = LetzshopCall


class HistoricalImportRepository(_InStore, RepositoryBase[HistoricalImport]):
    model = HistoricalImport
    not_found = HistoricalImportNotFound
    label = "historical import"


class VendorRepository(RepositoryBase[Vendor]):
    model = Vendor


class ExportRepository(_InStore, RepositoryBase[Export]):
    model = Export
    not_found = ExportNotFound
    label = "export"
