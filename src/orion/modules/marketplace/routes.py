"""Marketplace routes, per store (`/stores/{store_id}/...`): the Letzshop key and the calls
made with it, product imports (upload or URL, progress, cancel, error report), Letzshop
shipments (sync, confirm or decline units, tracking, returns), the historical order
import, exports, and the vendor directory.

`api` is mounted for the tenant's members and for operators acting for a tenant.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from fastapi.responses import FileResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from orion.kernel.web.dependencies import CurrentStore, CurrentTenant, PageDep, SessionDep
from orion.kernel.web.dependencies import problem_responses as problems
from orion.kernel.web.limits import accepts_upload
from orion.kernel.web.responses import ListingResponse
from orion.modules.marketplace import services
from orion.modules.marketplace.dependencies import CanManage, CanRead
from orion.modules.marketplace.schemas import (
    CallsPublic,
    ConfirmUnits,
    CredentialPublic,
    CredentialUpdate,
    ExportCreate,
    ExportPublic,
    ExportsPublic,
    HistoricalImportCreate,
    HistoricalImportPublic,
    HistoricalImportsPublic,
    ImportErrorsPublic,
    ImportFromUrl,
    ImportPolicy,
    ImportPublic,
    ImportsPublic,
    Language,
    ReturnCreate,
    ShipmentPublic,
    ShipmentsPublic,
    TrackingUpdate,
    VendorsPublic,
)

api = APIRouter()
# A whole feed (a million rows is about 280 MB); larger catalogues are imported by URL.
FEED_UPLOAD_LIMIT = 2 * 1024**3
STORE = "/stores/{store_id}"


# -- the key -----------------------------------------------------------------------------------


@api.get(f"{STORE}/credential", response_model=CredentialPublic | None, responses=problems(404))
def get_credential(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead
) -> CredentialPublic | None:
    """The store's Letzshop key, masked (null when none is stored)."""
    return services.get_credential(session, tenant, store_id=store.id)


@api.put(f"{STORE}/credential", response_model=CredentialPublic, responses=problems(404, 422))
def put_credential(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    body: CredentialUpdate,
) -> CredentialPublic:
    return services.set_credential(session, tenant, store_id=store.id, data=body)


@api.delete(f"{STORE}/credential", status_code=204, responses=problems(404, 409))
def delete_credential(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanManage
) -> None:
    services.delete_credential(session, tenant, store_id=store.id)


@api.post(
    f"{STORE}/credential/check", response_model=CredentialPublic, responses=problems(404, 409)
)
def check_credential(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanManage
) -> CredentialPublic:
    """Ask Letzshop whether the key works; the answer is kept on the key."""
    return services.check_credential(session, tenant, store_id=store.id)


@api.get(f"{STORE}/calls", response_model=CallsPublic, responses=problems(404))
def list_calls(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    """Every call made to Letzshop for the store: what was sent and answered, newest first."""
    return ListingResponse(services.calls_listing(session, tenant, store_id=store.id, page=page))


# -- product imports ---------------------------------------------------------------------------


@api.post(
    f"{STORE}/imports",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportPublic,
    responses=problems(404, 413, 422),
)
@accepts_upload(max_bytes=FEED_UPLOAD_LIMIT)
async def upload_import(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    file: Annotated[UploadFile, File(description="The feed (CSV, TSV)")],
    language: Annotated[Language, Form()],
    policy: Annotated[ImportPolicy, Form()] = ImportPolicy.skip,
) -> ImportPublic:
    """Import an uploaded feed (multipart `file`, `language`, `policy`); answered at once,
    the import runs in the background (poll `GET .../imports/{import_id}`)."""
    row = await run_in_threadpool(
        services.start_upload,
        session,
        tenant,
        store_id=store.id,
        language=language,
        policy=policy,
        filename=file.filename or "feed.csv",
        source=file.file,
        requested_by=principal.user_id,
    )
    return ImportPublic.model_validate(row)


@api.post(
    f"{STORE}/imports/from-url",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportPublic,
    responses=problems(404, 422),
)
def url_import(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    body: ImportFromUrl,
) -> ImportPublic:
    row = services.start_from_url(
        session,
        tenant,
        store_id=store.id,
        language=body.language,
        policy=body.policy,
        url=body.url,
        requested_by=principal.user_id,
    )
    return ImportPublic.model_validate(row)


@api.get(f"{STORE}/imports", response_model=ImportsPublic, responses=problems(404))
def list_imports(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    return ListingResponse(services.imports_listing(session, tenant, store_id=store.id, page=page))


@api.get(f"{STORE}/imports/{{import_id}}", response_model=ImportPublic, responses=problems(404))
def get_import(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    import_id: uuid.UUID,
) -> ImportPublic:
    """Progress: rows done of total, the rate and the time left."""
    row = services.get_import(session, tenant, store_id=store.id, import_id=import_id)
    return ImportPublic.model_validate(row)


@api.post(
    f"{STORE}/imports/{{import_id}}/cancel",
    response_model=ImportPublic,
    responses=problems(404, 409),
)
def cancel_import(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    import_id: uuid.UUID,
) -> ImportPublic:
    row = services.cancel_import(session, tenant, store_id=store.id, import_id=import_id)
    return ImportPublic.model_validate(row)


@api.get(
    f"{STORE}/imports/{{import_id}}/errors",
    response_model=ImportErrorsPublic,
    responses=problems(404),
)
def list_import_errors(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    import_id: uuid.UUID,
    page: PageDep,
) -> ListingResponse:
    return ListingResponse(
        services.errors_listing(session, tenant, store_id=store.id, import_id=import_id, page=page)
    )


@api.get(f"{STORE}/imports/{{import_id}}/errors.csv", responses=problems(404))
def download_error_report(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    import_id: uuid.UUID,
) -> StreamingResponse:
    """The error report: one CSV line per refused value (row, column, value, message)."""
    lines = services.error_report(session, tenant, store_id=store.id, import_id=import_id)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )


# -- shipments ---------------------------------------------------------------------------------


@api.get(f"{STORE}/shipments", response_model=ShipmentsPublic, responses=problems(404))
def list_shipments(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page: PageDep,
    state: Annotated[str | None, Query(max_length=32)] = None,
) -> ShipmentsPublic:
    return services.shipments_listing(session, tenant, store_id=store.id, state=state, page=page)


@api.post(f"{STORE}/shipments/sync", responses=problems(404, 409, 502, 503))
def sync_shipments(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanManage
) -> dict[str, int]:
    """Fetch the unconfirmed shipments now (the schedule does it every ten minutes)."""
    return services.sync_store(session, tenant, store.id)


@api.get(
    f"{STORE}/shipments/{{shipment_id}}", response_model=ShipmentPublic, responses=problems(404)
)
def get_shipment(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    shipment_id: uuid.UUID,
) -> ShipmentPublic:
    return services.get_shipment(session, tenant, store_id=store.id, shipment_id=shipment_id)


@api.post(
    f"{STORE}/shipments/{{shipment_id}}/confirm",
    response_model=ShipmentPublic,
    responses=problems(404, 409, 422, 502, 503),
)
def confirm_units(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    shipment_id: uuid.UUID,
    body: ConfirmUnits,
) -> ShipmentPublic:
    """Confirm or decline inventory units (one by one, or `all`)."""
    return services.decide_units(
        session, tenant, store_id=store.id, shipment_id=shipment_id, data=body
    )


@api.post(
    f"{STORE}/shipments/{{shipment_id}}/tracking",
    response_model=ShipmentPublic,
    responses=problems(404, 409, 422, 502, 503),
)
def set_tracking(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    shipment_id: uuid.UUID,
    body: TrackingUpdate,
) -> ShipmentPublic:
    return services.set_tracking(
        session, tenant, store_id=store.id, shipment_id=shipment_id, data=body
    )


@api.post(
    f"{STORE}/shipments/{{shipment_id}}/returns",
    response_model=ShipmentPublic,
    responses=problems(404, 409, 422),
)
def record_return(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    shipment_id: uuid.UUID,
    body: ReturnCreate,
) -> ShipmentPublic:
    return services.record_return(
        session, tenant, store_id=store.id, shipment_id=shipment_id, data=body
    )


# -- historical orders -------------------------------------------------------------------------


@api.post(
    f"{STORE}/historical-imports",
    status_code=201,
    response_model=HistoricalImportPublic,
    responses=problems(404, 409, 422),
)
def start_historical_import(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    body: HistoricalImportCreate,
) -> HistoricalImportPublic:
    row = services.start_historical_import(
        session, tenant, store_id=store.id, stock_policy=body.stock_policy
    )
    return HistoricalImportPublic.model_validate(row)


@api.get(
    f"{STORE}/historical-imports", response_model=HistoricalImportsPublic, responses=problems(404)
)
def list_historical_imports(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    return ListingResponse(
        services.historical_listing(session, tenant, store_id=store.id, page=page)
    )


@api.get(
    f"{STORE}/historical-imports/{{historical_import_id}}",
    response_model=HistoricalImportPublic,
    responses=problems(404),
)
def get_historical_import(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    historical_import_id: uuid.UUID,
) -> HistoricalImportPublic:
    row = services.get_historical_import(
        session, tenant, store_id=store.id, import_id=historical_import_id
    )
    return HistoricalImportPublic.model_validate(row)


# -- exports -----------------------------------------------------------------------------------


@api.post(
    f"{STORE}/exports", status_code=201, response_model=ExportPublic, responses=problems(404, 422)
)
def start_export(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    body: ExportCreate,
) -> ExportPublic:
    row = services.start_export(session, tenant, store_id=store.id, kind=body.kind)
    return ExportPublic.model_validate(row)


@api.get(f"{STORE}/exports", response_model=ExportsPublic, responses=problems(404))
def list_exports(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    return ListingResponse(services.exports_listing(session, tenant, store_id=store.id, page=page))


@api.get(f"{STORE}/exports/{{export_id}}", response_model=ExportPublic, responses=problems(404))
def get_export(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    export_id: uuid.UUID,
) -> ExportPublic:
    return ExportPublic.model_validate(
        services.get_export(session, tenant, store_id=store.id, export_id=export_id)
    )


@api.get(f"{STORE}/exports/{{export_id}}/files/{{file_name}}", responses=problems(404))
def download_export(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    export_id: uuid.UUID,
    file_name: str,
) -> FileResponse:
    """One file of a finished export."""
    path = services.export_file(
        session, tenant, store_id=store.id, export_id=export_id, name=file_name
    )
    return FileResponse(path, filename=file_name)


# -- the directory -----------------------------------------------------------------------------


@api.get("/vendors", response_model=VendorsPublic)
def list_vendors(
    session: SessionDep,
    _: CanRead,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    listed: bool | None = None,
) -> ListingResponse:
    """The Letzshop vendor directory (synced daily); `listed=false`: the vendors that left."""
    return ListingResponse(services.vendors_listing(session, q=q, listed=listed, page=page))
