"""The kernel's own console pages (the entry point, the background task runs) and the
console's mounting: static files, vendor assets, these pages and HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select
from starlette.types import ASGIApp, Receive, Scope, Send

from orion.kernel.data.paging import Page, paginate
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.models import TaskRun
from orion.kernel.web.console.shell import (
    KERNEL_STATIC,
    VENDOR_FILES,
    ConsolePage,
    log,
    operator_gate,
    render_error,
    vendor_available,
    vendor_root,
)
from orion.kernel.web.dependencies import SessionDep
from orion.kernel.web.problems import add_problem_renderer

router = APIRouter()

TASK_STATES = ("started", "succeeded", "failed", "retrying", "skipped")


@router.get("/")
def home(page: ConsolePage) -> Response:
    """Where signing in lands: the tenant's dashboard, or the operator's tenants."""
    principal = page.principal
    if principal is None:
        return RedirectResponse("/console/sign-in", status_code=303)
    if principal.tenant is not None:
        return RedirectResponse("/console/tenancy/", status_code=303)
    if principal.is_superadmin:
        return RedirectResponse("/console/platform/tenancy/tenants", status_code=303)
    return page.render("console/no_tenant.html")


@router.get("/platform/tasks", dependencies=[Depends(operator_gate)])
def task_runs(
    page: ConsolePage,
    session: SessionDep,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(TASK_STATES) + ")$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Recent background task runs, newest first, with their state and error."""
    query = select(TaskRun)
    if state:
        query = query.where(TaskRun.state == state)
    rows, count = paginate(
        session, query, Page(limit=50, offset=offset), TaskRun.started_at.desc(), TaskRun.id
    )
    by_state = dict(
        session.execute(select(TaskRun.state, func.count()).group_by(TaskRun.state)).all()
    )
    # People read the tenant's name; its whole id stays at hand (title, copyable code).
    directory = page.runtime.directory
    tenant_names = {
        tenant_id: directory.name_of(session, tenant_id)
        for tenant_id in {run.tenant_id for run in rows if run.tenant_id is not None}
    }
    return page.render(
        "console/tasks.html",
        runs=rows,
        count=count,
        offset=offset,
        limit=50,
        state=state,
        states=TASK_STATES,
        by_state=by_state,
        tenant_names=tenant_names,
    )


def install_console(app: FastAPI, runtime: Runtime) -> None:
    """Static files, the kernel's own pages, and HTML error pages under /console."""
    app.mount("/console/static", StaticFiles(directory=KERNEL_STATIC), name="console-static")
    root = vendor_root(runtime)
    available = vendor_available(runtime)
    for name, parts in VENDOR_FILES.items():
        if available[name]:
            folder = root / Path(*parts[:-1])
            app.mount(
                f"/console/vendor/{name}",
                StaticFiles(directory=folder),
                name=f"vendor-{name}",
            )
    if not all(available.values()):
        log.warning(
            "console_assets_missing",
            hint="run `npm install` at the repository root (./dev serve does)",
            missing=[name for name, ok in available.items() if not ok],
        )
    app.include_router(router, prefix="/console", include_in_schema=False)
    add_problem_renderer(app, "/console", render_error)
    app.add_middleware(EmptyFiltersLeftOut)


class EmptyFiltersLeftOut:
    """A console page's filter form sends every field, the empty ones as `since=`: left
    out, they mean "no filter" (as an empty posted field means missing, `form_data`),
    instead of a date or a number that cannot be read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith("/console")
            and scope.get("query_string")
        ):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(key, value) for key, value in pairs if value.strip() != ""]
            if len(kept) != len(pairs):
                scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await self.app(scope, receive, send)
