"""Console pages of dev_tools under /console/platform/dev_tools/ (superadmins only, 404
for everyone else): the architecture rules, scans with their trend and comparison, and the
test runs with their history, slowest and flaky tests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from orion.kernel.data.paging import Page
from orion.kernel.web.console import ConsolePage, FormData, FormPage
from orion.kernel.web.dependencies import SessionDep
from orion.modules.dev_tools import services
from orion.modules.dev_tools.dependencies import GUARD
from orion.modules.dev_tools.schemas import (
    RuleSwitch,
    ScanCreate,
    TestCollectionCreate,
    TestRunCreate,
)

pages = APIRouter(dependencies=GUARD)  # /console/platform/dev_tools/...
BASE = "/console/platform/dev_tools"
LIMIT = 25


def _platform(session) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return services.default_platform(session)


def _architecture(page, session) -> dict:  # type: ignore[no-untyped-def]
    platform_id = _platform(session)
    trend = services.trend(session, platform_id)
    return {
        "rules": services.list_rules(session, platform_id),
        "scans": services.scans_listing(session, platform_id, page=Page(limit=LIMIT)).data,
        "trend": trend,
    }


architecture_page = FormPage("dev_tools/console/architecture.html", _architecture)


@pages.get("/")
def architecture(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return architecture_page.show(page, session)


@pages.post("/scans")
def start_scan(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    user = page.principal.user_id if page.principal else None
    return architecture_page.submit(
        page,
        session,
        form,
        ScanCreate,
        lambda data: services.request_scan(
            session, _platform(session), data=data, requested_by=user
        ),
        done=lambda row: f"{BASE}/scans/{row.id}",
        message="Scan started.",
    )


@pages.post("/rules/{code}")
def switch_rule(page: ConsolePage, session: SessionDep, code: str, form: FormData) -> Response:
    return architecture_page.submit(
        page,
        session,
        form,
        RuleSwitch,
        lambda data: services.set_rule(session, _platform(session), code, enabled=data.enabled),
        done=f"{BASE}/",
        message=lambda rule: f"Rule {rule.code} switched {'on' if rule.enabled else 'off'}.",
    )


@pages.get("/scans/{scan_id}")
def scan_detail(
    page: ConsolePage,
    session: SessionDep,
    scan_id: uuid.UUID,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    platform_id = _platform(session)
    row = services.get_scan(session, platform_id, scan_id)
    finished = row.state in ("succeeded", "failed", "refused")
    listing = services.violations_listing(
        session, platform_id, scan_id, page=Page(limit=200, offset=offset)
    )
    return page.render(
        "dev_tools/console/scan.html",
        scan=row,
        finished=finished,
        comparison=services.comparison(session, platform_id, scan_id) if finished else None,
        violations=listing.data,
        count=listing.count,
        offset=offset,
        limit=200,
    )


# -- test runs ---------------------------------------------------------------------------------


def _test_runs(page, session) -> dict:  # type: ignore[no-untyped-def]
    platform_id = _platform(session)
    return {
        "runs": services.runs_listing(session, platform_id, page=Page(limit=LIMIT)).data,
        "collections": services.collections_listing(
            session, platform_id, page=Page(limit=200)
        ).data,
        "slowest": services.slowest_tests(session, platform_id, limit=10),
        "flaky": services.flaky_tests(session, platform_id),
    }


test_runs_page = FormPage("dev_tools/console/test_runs.html", _test_runs)


@pages.get("/test-runs")
def test_runs(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return test_runs_page.show(page, session)


@pages.post("/test-runs")
def start_test_run(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    user = page.principal.user_id if page.principal else None
    return test_runs_page.submit(
        page,
        session,
        form,
        TestRunCreate,
        lambda data: services.request_test_run(
            session, _platform(session), data=data, requested_by=user
        ),
        done=lambda row: f"{BASE}/test-runs/{row.id}",
        message="Test run started.",
    )


@pages.post("/test-collections")
def create_collection(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    return test_runs_page.submit(
        page,
        session,
        form,
        TestCollectionCreate,
        lambda data: services.create_collection(session, _platform(session), data=data),
        done=f"{BASE}/test-runs",
        message=lambda row: f"Collection {row.name} saved.",
    )


@pages.get("/test-runs/{run_id}")
def test_run_detail(
    page: ConsolePage,
    session: SessionDep,
    run_id: uuid.UUID,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    platform_id = _platform(session)
    row = services.get_run(session, platform_id, run_id)
    results = services.results_listing(
        session,
        platform_id,
        run_id,
        page=Page(limit=500),
        outcome=outcome if outcome in ("passed", "failed", "skipped", "error") else None,
    )
    slowest = services.results_listing(
        session, platform_id, run_id, page=Page(limit=10), slowest=True
    )
    return page.render(
        "dev_tools/console/test_run.html",
        run=row,
        finished=row.state not in ("pending", "running"),
        results=results.data,
        count=results.count,
        slowest=slowest.data,
        outcome=outcome,
    )
