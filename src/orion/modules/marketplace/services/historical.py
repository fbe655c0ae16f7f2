"""The historical order import: every shipment of the store on Letzshop, page by page,
each placed as an order once (by shipment and Letzshop order number), with the stock
policy chosen (skip: stock left as it is; deduct: the units sold leave the stock).

Each page is committed with the import's cursor and counts, so a re-run task resumes at
the page after the last one committed; shipments already recorded count as existing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, require_tenant
from orion.kernel.runtime.tasks import enqueue
from orion.modules.marketplace.exceptions import LetzshopError
from orion.modules.marketplace.models import HistoricalImport
from orion.modules.marketplace.repository import (
    CredentialRepository,
    HistoricalImportRepository,
    ShipmentRepository,
)
from orion.modules.marketplace.schemas import HistoricalImportsPublic, StockPolicy
from orion.modules.marketplace.services import client as letzshop
from orion.modules.marketplace.services.common import Checkpoint, settings_of, store_of
from orion.modules.marketplace.services.credentials import client_for
from orion.modules.marketplace.services.shipments import record_shipment

TASK = "marketplace.process_historical_import"
MAX_PROBLEMS = 200


def start_historical_import(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, stock_policy: StockPolicy
) -> HistoricalImport:
    from orion.modules.marketplace.exceptions import NoCredential

    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        if CredentialRepository(session).of_store(store_id) is None:
            raise NoCredential()
        row = HistoricalImportRepository(session).add(
            HistoricalImport(
                tenant_id=tenant.tenant_id,
                store_id=store_id,
                stock_policy=stock_policy.value,
                state="pending",
                problems=[],
            )
        )
        enqueue(session, TASK, import_id=row.id, tenant_id=tenant.tenant_id)
        return row


def historical_listing(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> HistoricalImportsPublic:
    with acting_for(session, tenant):
        repo = HistoricalImportRepository(session)
        return repo.listing(
            HistoricalImportsPublic,
            repo.in_store(store_id),
            page,
            HistoricalImport.created_at.desc(),
        )


def get_historical_import(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, import_id: uuid.UUID
) -> HistoricalImport:
    with acting_for(session, tenant):
        return HistoricalImportRepository(session).get_in(store_id, import_id)


def run_historical_import(
    session: Session, import_id: uuid.UUID, *, checkpoint: Checkpoint
) -> dict[str, Any]:
    """The task's body: `checkpoint()` (the task's commit) once per page, with the cursor,
    like the product import."""
    tenant = require_tenant(session)
    row = session.get(HistoricalImport, import_id)
    if row is None or row.state in ("succeeded", "failed"):
        return {"state": row.state if row else "missing"}
    row.state = "running"
    store = store_of(session, tenant, row.store_id)
    policy = StockPolicy(row.stock_policy)
    checkpoint()
    try:
        with client_for(session, tenant, store.id) as client:
            pages = client.paginate(
                "Shipments",
                letzshop.SHIPMENTS,
                "shipments",
                page_size=settings_of(session).page_size,
                after=row.cursor,
            )
            for nodes, cursor in pages:
                row = session.get(HistoricalImport, import_id)
                assert row is not None
                problems = list(row.problems)
                for node in nodes:
                    outcome = record_shipment(
                        session, tenant, store, node, source="historical", stock_policy=policy
                    )
                    row.seen += 1
                    if outcome == "created":
                        row.created_count += 1
                    elif outcome == "existing":
                        row.existing_count += 1
                    else:
                        row.failed_count += 1
                        shipment = ShipmentRepository(session).by_letzshop_id(
                            store.id, str(node["id"])
                        )
                        if len(problems) < MAX_PROBLEMS and shipment is not None:
                            problems.append(f"shipment {shipment.number}: {shipment.problem}")
                row.problems, row.cursor = problems, cursor
                row.pages_done += 1
                checkpoint()
    except LetzshopError as exc:
        checkpoint()  # the calls recorded stay
        row = session.get(HistoricalImport, import_id)
        assert row is not None
        row.state, row.error, row.finished_at = "failed", exc.message[:2000], utcnow()
        checkpoint()
        return {"state": "failed"}
    row = session.get(HistoricalImport, import_id)
    assert row is not None
    row.state, row.finished_at = "succeeded", utcnow()
    return {
        "state": "succeeded",
        "created": row.created_count,
        "existing": row.existing_count,
        "failed": row.failed_count,
    }
