"""Marketplace tasks. The long ones (imports, the directory) run on `long_running`; the
exports on `default`; the order sync and the clean-up are scheduled. Each re-loads its
row by id and is safe to run twice (a finished import or export is left as it is)."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, require_tenant
from orion.kernel.runtime.tasks import task
from orion.modules.marketplace.exceptions import LetzshopError, LetzshopUnavailable
from orion.modules.marketplace.services import directory, exports, historical, imports
from orion.modules.marketplace.services.credentials import stores_with_keys
from orion.modules.marketplace.services.shipments import sync_store

log = structlog.get_logger(__name__)


@task("marketplace.process_marketplace_import", queue="long_running", max_retries=3)
def process_marketplace_import(
    session: Session, import_id: uuid.UUID, tenant_id: uuid.UUID
) -> dict[str, Any]:
    """Run or resume a product import (commits once per chunk, with its checkpoint)."""
    return imports.run_import(session, uuid.UUID(str(import_id)), checkpoint=session.commit)


@task(
    "marketplace.process_historical_import",
    queue="long_running",
    retry_on=(LetzshopUnavailable,),
)
def process_historical_import(
    session: Session, import_id: uuid.UUID, tenant_id: uuid.UUID
) -> dict[str, Any]:
    return historical.run_historical_import(
        session, uuid.UUID(str(import_id)), checkpoint=session.commit
    )


@task("marketplace.sync_store_directory", queue="long_running", retry_on=(LetzshopUnavailable,))
def sync_store_directory(session: Session) -> dict[str, int]:
    """Daily: the Letzshop vendor directory, upserted; vendors that left are marked."""
    return directory.sync_directory(session).model_dump()


def _export(session: Session, export_id: uuid.UUID, run: Any) -> dict[str, Any]:
    try:
        return run(session, uuid.UUID(str(export_id)))  # type: ignore[no-any-return]
    except OSError as exc:
        session.rollback()
        exports.fail_export(session, uuid.UUID(str(export_id)), f"{type(exc).__name__}: {exc}")
        return {"state": "failed"}


@task("marketplace.export_store_products_to_folder", queue="default")
def export_store_products_to_folder(
    session: Session, export_id: uuid.UUID, tenant_id: uuid.UUID
) -> dict[str, Any]:
    return _export(session, export_id, exports.run_store_feed_export)


@task("marketplace.export_marketplace_products", queue="default")
def export_marketplace_products(
    session: Session, export_id: uuid.UUID, tenant_id: uuid.UUID
) -> dict[str, Any]:
    return _export(session, export_id, exports.run_marketplace_csv_export)


@task("marketplace.sync_orders", queue="scheduled")
def sync_orders(session: Session, tenant_id: uuid.UUID) -> dict[str, int]:
    """Per tenant (Beat fans it out): each store with a key gets its unconfirmed shipments
    as orders. A store whose call fails is logged (its calls are recorded) and the next
    store is synced all the same."""
    tenant: TenantContext = require_tenant(session)
    totals = {"stores": 0, "seen": 0, "created": 0, "existing": 0, "failed": 0}
    with acting_for(session, tenant):
        stores = [s for t, s in stores_with_keys(session) if t == tenant.tenant_id]
    for store_id in stores:
        try:
            counts = sync_store(session, tenant, store_id)
        except LetzshopError as exc:  # what was recorded before it (calls, shipments) stays
            log.warning("letzshop_sync_failed", store_id=str(store_id), error=exc.message)
            continue
        totals["stores"] += 1
        for key, value in counts.items():
            totals[key] += value
    return totals


@task("marketplace.remove_old_exports", queue="scheduled")
def remove_old_exports(session: Session) -> int:
    return exports.remove_old_exports(session)
