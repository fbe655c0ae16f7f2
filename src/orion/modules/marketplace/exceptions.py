"""Marketplace errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import (
    BadRequest,
    Conflict,
    FieldError,
    NotFound,
    OrionError,
    TransientError,
    ValidationFailed,
)


class MarketplaceError(OrionError):
    """Base of the errors of the marketplace module."""

    code = "marketplace_error"


class MarketplaceInvalid(MarketplaceError, ValidationFailed):
    code = "marketplace_invalid"

    @classmethod
    def field(cls, name: str, message: str) -> MarketplaceInvalid:
        return cls(f"{name}: {message}", errors=[FieldError(name, message)])


class ImportNotFound(MarketplaceError, NotFound):
    code = "import_not_found"


class ShipmentNotFound(MarketplaceError, NotFound):
    code = "shipment_not_found"


class UnitNotFound(MarketplaceError, NotFound):
    code = "inventory_unit_not_found"


class ExportNotFound(MarketplaceError, NotFound):
    code = "export_not_found"


class HistoricalImportNotFound(MarketplaceError, NotFound):
    code = "historical_import_not_found"


class NoCredential(MarketplaceError, Conflict):
    code = "letzshop_key_missing"

    def __init__(self) -> None:
        super().__init__("the store has no Letzshop API key: store one first")


class ImportNotCancelable(MarketplaceError, Conflict):
    code = "import_not_cancelable"


class UploadTooLarge(MarketplaceError, BadRequest):
    status = 413
    code = "upload_too_large"


class LetzshopError(MarketplaceError):
    """Letzshop refused a call or answered GraphQL errors. The call is recorded whatever
    happens: the unit of work keeps what was written before this error (the call's row)."""

    status = 502
    code = "letzshop_error"
    keeps_changes = True


class LetzshopUnavailable(LetzshopError, TransientError):
    """Letzshop was down or throttled us past our retries: worth trying again later."""

    status = 503
    code = "letzshop_unavailable"
