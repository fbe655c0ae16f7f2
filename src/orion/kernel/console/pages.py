"""The kernel's own console pages: the entry point and the background task runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from orion.kernel.console.shell import ConsolePage, operator_gate
from orion.kernel.models import TaskRun
from orion.kernel.pagination import Page, paginate
from orion.kernel.web import SessionDep

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
    return page.render(
        "console/tasks.html",
        runs=rows,
        count=count,
        offset=offset,
        limit=50,
        state=state,
        states=TASK_STATES,
        by_state=by_state,
    )
