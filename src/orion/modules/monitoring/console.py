"""Console pages of monitoring under /console/platform/monitoring/ (platform operators
only, 404 for everyone else): the overview with the latest figures, their history and the
thresholds (deployment-wide and per platform); the notifications with their
acknowledgement; the task runs with filters and the retry of a failed run."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from orion.kernel.data.paging import Page
from orion.kernel.runtime import runtime_of
from orion.kernel.web.console import ConsolePage, FormData, FormPage
from orion.kernel.web.dependencies import SessionDep
from orion.modules.monitoring import services
from orion.modules.monitoring.dependencies import GUARD
from orion.modules.monitoring.models import METRICS, NOTIFICATION_KINDS
from orion.modules.monitoring.schemas import (
    Metric,
    NotificationState,
    RunState,
    TaskRunFilter,
    ThresholdUpdate,
)

pages = APIRouter(dependencies=GUARD)  # /console/platform/monitoring/...
BASE = "/console/platform/monitoring"
RUN_STATES = ("started", "succeeded", "failed", "retrying", "skipped", "lost")
LIMIT = 50


def _overview(page, session) -> dict:  # type: ignore[no-untyped-def]
    return {
        "snapshot": services.latest_or_none(session),
        "chart": services.history_chart(session),
        "thresholds": services.list_thresholds(session),
        "open_notifications": services.open_count(session),
        "metrics": METRICS,
        "failed_metric": None,
        "failed_platform": None,
        "platforms": services.platform_overrides(session),
        "platform_names": {str(k): v for k, v in services.platform_names(session).items()},
        "retention": services.settings_of(runtime_of(session)),
    }


overview_page = FormPage("monitoring/console/overview.html", _overview)


@pages.get("/")
def overview(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return overview_page.show(page, session)


@pages.post("/capture")
def capture_now(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    return overview_page.submit(
        page,
        session,
        form,
        None,
        lambda: services.request_capture(session),
        done=f"{BASE}/",
        message="Snapshot requested: the worker takes it in a moment.",
    )


@pages.post("/thresholds/{metric}")
def set_threshold(
    page: ConsolePage, session: SessionDep, metric: Metric, form: FormData
) -> Response:
    user = page.principal.user_id if page.principal else None
    return overview_page.submit(
        page,
        session,
        form,
        ThresholdUpdate,
        lambda data: services.set_threshold(session, metric, value=data.value, updated_by=user),
        done=f"{BASE}/",
        message=lambda row: f"Threshold {row.metric} set to {row.value}.",
        failed_metric=metric,
    )


@pages.post("/platforms/{platform_id}/thresholds/{metric}")
def set_platform_threshold(
    page: ConsolePage, session: SessionDep, platform_id: uuid.UUID, metric: Metric, form: FormData
) -> Response:
    user = page.principal.user_id if page.principal else None
    return overview_page.submit(
        page,
        session,
        form,
        ThresholdUpdate,
        lambda data: services.set_threshold(
            session, metric, value=data.value, updated_by=user, platform_id=platform_id
        ),
        done=f"{BASE}/",
        message=lambda row: f"Threshold {row.metric} of the platform set to {row.value}.",
        failed_metric=metric,
        failed_platform=str(platform_id),
    )


@pages.post("/platforms/{platform_id}/thresholds/{metric}/reset")
def reset_platform_threshold(
    page: ConsolePage, session: SessionDep, platform_id: uuid.UUID, metric: Metric, form: FormData
) -> Response:
    user = page.principal.user_id if page.principal else None
    services.set_threshold(session, metric, value=None, updated_by=user, platform_id=platform_id)
    return page.redirect(f"{BASE}/", message=f"The platform uses the deployment's {metric}.")


@pages.get("/notifications")
def notifications(
    page: ConsolePage,
    session: SessionDep,
    state: NotificationState | None = "open",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    listing = services.notifications_listing(
        session, page=Page(limit=LIMIT, offset=offset), state=state
    )
    return page.render(
        "monitoring/console/notifications.html",
        notifications=listing.data,
        count=listing.count,
        offset=offset,
        limit=LIMIT,
        state=state,
        kinds=NOTIFICATION_KINDS,
    )


@pages.post("/notifications/{notification_id}/ack")
def acknowledge(
    page: ConsolePage, session: SessionDep, notification_id: uuid.UUID, form: FormData
) -> Response:
    user = page.principal.user_id if page.principal else None
    services.acknowledge(session, notification_id, by=user)
    return page.redirect(f"{BASE}/notifications", message="Notification acknowledged.")


@pages.get("/task-runs")
def task_runs(
    page: ConsolePage,
    session: SessionDep,
    state: RunState | None = None,
    name: Annotated[str | None, Query(max_length=128)] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    module: Annotated[str | None, Query(max_length=64)] = None,
    task_id: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    filters = TaskRunFilter(state=state, name=name, queue=queue, module=module, task_id=task_id)
    listing = services.runs_listing(session, page=Page(limit=LIMIT, offset=offset), filters=filters)
    runtime = runtime_of(session)
    verdicts = {
        run.id: services.retryability(runtime, services.get_run(session, run.id))
        for run in listing.data
        if run.state in ("failed", "lost")
    }
    query = urlencode(filters.model_dump(exclude_none=True, mode="json"))
    return page.render(
        "monitoring/console/task_runs.html",
        runs=listing.data,
        count=listing.count,
        offset=offset,
        limit=LIMIT,
        filters=filters,
        query=query,
        states=RUN_STATES,
        names=services.task_names(session),
        verdicts=verdicts,
    )


@pages.post("/task-runs/{run_id}/retry")
def retry(page: ConsolePage, session: SessionDep, run_id: uuid.UUID, form: FormData) -> Response:
    accepted = services.retry(session, run_id)
    return page.redirect(
        f"{BASE}/task-runs?task_id={accepted.task_id}",
        message=f"{accepted.name} sent again (task {accepted.task_id}).",
    )
