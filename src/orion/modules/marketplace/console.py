"""Console pages of the marketplace, per store (`?store=<id>`, the switcher): the overview
(the Letzshop key, product imports with live progress, the error report, history),
Letzshop orders to confirm, the vendor directory and exports.

Mounted under /console/marketplace/ for members of tenants that have the module on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from orion.kernel.data.paging import Page
from orion.kernel.errors import NotFound, OrionError
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, StoreChoice
from orion.kernel.web.console.shell import PostedForm, parse_form
from orion.kernel.web.dependencies import SessionDep
from orion.kernel.web.limits import accepts_upload
from orion.modules.marketplace import services
from orion.modules.marketplace.schemas import (
    ConfirmUnits,
    CredentialUpdate,
    ExportCreate,
    ImportPolicy,
    ImportPublic,
    TrackingUpdate,
    UnitDecision,
)

pages = APIRouter()  # /console/marketplace/...
HOME = "/console/marketplace/"

overview_page = FormPage("marketplace/console/index.html")
orders_page = FormPage("marketplace/console/orders.html")
directory_page = FormPage("marketplace/console/directory.html")
exports_page = FormPage("marketplace/console/exports.html")


def _store(choice: StoreChoice) -> uuid.UUID:
    if choice.store is None:
        raise NotFound("the tenant has no store")
    return choice.store.id


def _link(choice: StoreChoice, path: str = HOME) -> str:
    query = choice.query()
    return f"{path}?{query}" if query else path


def _overview(session: Session, page: Any, choice: StoreChoice) -> dict[str, Any]:
    shown: dict[str, Any] = {"choice": choice, "credential": None, "imports": []}
    if choice.store is None:
        return shown
    shown["credential"] = services.get_credential(session, page.tenant, store_id=choice.store.id)
    shown["imports"] = services.imports_listing(
        session, page.tenant, store_id=choice.store.id, page=Page(limit=20)
    ).data
    shown["policies"] = [p.value for p in ImportPolicy]
    return shown


@pages.get("/")
def overview(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require("marketplace.read")
    return overview_page.show(page, session, **_overview(session, page, choice))


@pages.post("/credential")
def save_credential(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require("marketplace.manage")
    store_id = _store(choice)
    return overview_page.submit(
        page,
        session,
        form,
        CredentialUpdate,
        lambda data: services.set_credential(session, page.tenant, store_id=store_id, data=data),
        done=_link(choice),
        message="The Letzshop key is stored.",
        shown=lambda: _overview(session, page, choice),
    )


@pages.post("/credential/check")
def check_credential(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require("marketplace.manage")
    store_id = _store(choice)
    return overview_page.submit(
        page,
        session,
        form,
        None,
        lambda: services.check_credential(session, page.tenant, store_id=store_id),
        done=_link(choice),
        message=lambda c: f"Key checked: {'it works' if c.check_ok else c.check_message}",
        shown=lambda: _overview(session, page, choice),
    )


class _ImportForm(BaseModel):
    language: str
    policy: ImportPolicy = ImportPolicy.skip


@pages.post("/imports")
@accepts_upload(max_bytes=2 * 1024**3)  # a whole feed, as the API takes it
async def upload(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: PostedForm
) -> Response:
    page.require("marketplace.manage")
    store_id = _store(choice)
    file = form.get("file")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    return await run_in_threadpool(_upload, page, session, choice, store_id, file, values)


def _upload(
    page: Any,
    session: Session,
    choice: StoreChoice,
    store_id: uuid.UUID,
    file: Any,
    values: dict[str, str],
) -> Response:
    if not isinstance(file, UploadFile) or not file.filename:
        return overview_page.show(
            page,
            session,
            errors={"file": "choose a feed file"},
            values=values,
            status=422,
            **_overview(session, page, choice),
        )
    return overview_page.submit(
        page,
        session,
        values,
        _ImportForm,
        lambda data: services.start_upload(
            session,
            page.tenant,
            store_id=store_id,
            language=data.language,
            policy=data.policy,
            filename=file.filename,
            source=file.file,
            requested_by=page.principal.user_id,
        ),
        done=_link(choice),
        message=lambda row: f"Import of {row.filename} started.",
        shown=lambda: _overview(session, page, choice),
    )


@pages.get("/imports/{import_id}/progress")
def progress(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, import_id: uuid.UUID
) -> HTMLResponse:
    """The import's row (polled every two seconds while it runs)."""
    page.require("marketplace.read")
    row = services.get_import(session, page.tenant, store_id=_store(choice), import_id=import_id)
    return page.render(
        "marketplace/console/_import.html", item=ImportPublic.model_validate(row), choice=choice
    )


@pages.post("/imports/{import_id}/cancel")
def cancel(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    import_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("marketplace.manage")
    store_id = _store(choice)
    return overview_page.submit(
        page,
        session,
        form,
        None,
        lambda: services.cancel_import(
            session, page.tenant, store_id=store_id, import_id=import_id
        ),
        done=_link(choice),
        message="The import stops after the chunk it is on.",
        shown=lambda: _overview(session, page, choice),
    )


@pages.get("/imports/{import_id}/errors.csv")
def error_report(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, import_id: uuid.UUID
) -> StreamingResponse:
    page.require("marketplace.read")
    lines = services.error_report(
        session, page.tenant, store_id=_store(choice), import_id=import_id
    )
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )


# -- Letzshop orders ---------------------------------------------------------------------------


def _orders(session: Session, page: Any, choice: StoreChoice) -> dict[str, Any]:
    shown: dict[str, Any] = {"choice": choice, "shipments": [], "calls": []}
    if choice.store is not None:
        shown["shipments"] = services.shipments_listing(
            session, page.tenant, store_id=choice.store.id, page=Page(limit=100)
        ).data
        shown["calls"] = services.calls_listing(
            session, page.tenant, store_id=choice.store.id, page=Page(limit=20)
        ).data
    return shown


@pages.get("/orders")
def letzshop_orders(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require("marketplace.read")
    return orders_page.show(page, session, **_orders(session, page, choice))


@pages.post("/orders/{shipment_id}/confirm")
def decide(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    shipment_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Confirm or decline a whole shipment (`decision` yes/no)."""
    page.require("marketplace.manage")
    store_id = _store(choice)
    available = form.get("decision") == "yes"
    return _on_letzshop(
        page,
        session,
        choice,
        lambda: services.decide_units(
            session,
            page.tenant,
            store_id=store_id,
            shipment_id=shipment_id,
            data=ConfirmUnits(all=available),
        ),
        "Confirmed." if available else "Declined.",
    )


@pages.post("/orders/{shipment_id}/units/{unit_id}")
def decide_unit(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    shipment_id: uuid.UUID,
    unit_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Confirm or decline one inventory unit (`decision` yes/no)."""
    page.require("marketplace.manage")
    store_id = _store(choice)
    available = form.get("decision") == "yes"
    data = ConfirmUnits(units=[UnitDecision(unit_id=unit_id, available=available)])
    return _on_letzshop(
        page,
        session,
        choice,
        lambda: services.decide_units(
            session, page.tenant, store_id=store_id, shipment_id=shipment_id, data=data
        ),
        "Unit confirmed." if available else "Unit declined.",
    )


@pages.post("/orders/{shipment_id}/tracking")
def tracking(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    shipment_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("marketplace.manage")
    store_id = _store(choice)
    data, errors = parse_form(TrackingUpdate, {"provider": "greco", **form})
    if data is None:
        return orders_page.show(
            page, session, errors=errors, status=422, **_orders(session, page, choice)
        )
    return _on_letzshop(
        page,
        session,
        choice,
        lambda: services.set_tracking(
            session, page.tenant, store_id=store_id, shipment_id=shipment_id, data=data
        ),
        f"Tracking number {data.code} sent.",
    )


def _on_letzshop(
    page: Any,
    session: Session,
    choice: StoreChoice,
    action: Callable[[], Any],
    message: str | Callable[[Any], str],
) -> Response:
    """Run a call to Letzshop; its refusal is shown with the page, and the request still
    commits, so the call stays in the log below."""
    try:
        done = action()
    except OrionError as exc:
        if exc.status in (401, 403, 404):
            raise
        return orders_page.show(
            page,
            session,
            errors={"form": exc.message},
            status=422,
            **_orders(session, page, choice),
        )
    text = message(done) if callable(message) else message
    return page.redirect(_link(choice, f"{HOME}orders"), message=text)


@pages.post("/orders/sync")
def sync(page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData) -> Response:
    page.require("marketplace.manage")
    store_id = _store(choice)
    return _on_letzshop(
        page,
        session,
        choice,
        lambda: services.sync_store(session, page.tenant, store_id),
        lambda counts: f"{counts['created']} new Letzshop order(s).",
    )


# -- directory and exports ---------------------------------------------------------------------


@pages.get("/directory")
def directory(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require("marketplace.read")
    vendors = services.vendors_listing(session, page=Page(limit=200)).data
    return directory_page.show(page, session, choice=choice, vendors=vendors)


def _exports(session: Session, page: Any, choice: StoreChoice) -> dict[str, Any]:
    rows = []
    if choice.store is not None:
        rows = services.exports_listing(
            session, page.tenant, store_id=choice.store.id, page=Page(limit=50)
        ).data
    return {"choice": choice, "exports": rows}


@pages.get("/exports")
def exports(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require("marketplace.read")
    return exports_page.show(page, session, **_exports(session, page, choice))


@pages.post("/exports")
def start_export(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require("marketplace.manage")
    store_id = _store(choice)
    return exports_page.submit(
        page,
        session,
        form,
        ExportCreate,
        lambda data: services.start_export(session, page.tenant, store_id=store_id, kind=data.kind),
        done=_link(choice, f"{HOME}exports"),
        message="The export is being written.",
        shown=lambda: _exports(session, page, choice),
    )


@pages.get("/exports/{export_id}/files/{name}")
def download(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, export_id: uuid.UUID, name: str
) -> FileResponse:
    page.require("marketplace.read")
    path = services.export_file(
        session, page.tenant, store_id=_store(choice), export_id=export_id, name=name
    )
    return FileResponse(path, filename=name)
