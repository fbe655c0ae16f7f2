"""dev_tools routes, platform-wide, mounted under /api/v1/admin/dev_tools for superadmins
(404 for everyone else). Scans and test runs are started with 202 and the id of their row;
the worker runs them (queue `long_running`) and GET shows their state and progress. Each
route acts on `?platform_id=` or the default platform."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from orion.kernel.web.dependencies import PageDep, SessionDep, problem_responses
from orion.kernel.web.responses import ListingResponse
from orion.modules.dev_tools import services
from orion.modules.dev_tools.dependencies import GUARD, Platform, Superadmin
from orion.modules.dev_tools.schemas import (
    FlakyTest,
    RulePublic,
    RuleSwitch,
    ScanAccepted,
    ScanComparison,
    ScanCreate,
    ScanPublic,
    ScansPublic,
    ScanTrendPoint,
    SlowTest,
    TestCollectionCreate,
    TestCollectionPublic,
    TestCollectionsPublic,
    TestCollectionUpdate,
    TestResultsPublic,
    TestRunAccepted,
    TestRunCreate,
    TestRunOutput,
    TestRunPublic,
    TestRunsPublic,
    ViolationsPublic,
)

admin = APIRouter(dependencies=GUARD, responses=problem_responses(404))
PREFIX = "/api/v1/admin/dev_tools"

# -- rules -------------------------------------------------------------------------------------


@admin.get("/rules", response_model=list[RulePublic])
def list_rules(session: SessionDep, platform_id: Platform) -> list[RulePublic]:
    """Every architecture rule, with whether it is on for the platform."""
    return services.list_rules(session, platform_id)


@admin.put("/rules/{code}", response_model=RulePublic, responses=problem_responses(422))
def switch_rule(
    session: SessionDep, platform_id: Platform, code: str, data: RuleSwitch
) -> RulePublic:
    """Switch a rule on or off for the platform's scans."""
    return services.set_rule(session, platform_id, code, enabled=data.enabled)


# -- scans -------------------------------------------------------------------------------------


@admin.post(
    "/scans",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ScanAccepted,
    responses=problem_responses(422),
)
def start_scan(
    session: SessionDep, platform_id: Platform, principal: Superadmin, data: ScanCreate
) -> ScanAccepted:
    """Start a scan of the project (or of `path`) with the platform's enabled rules (or
    `rules`); the worker runs it."""
    row = services.request_scan(session, platform_id, data=data, requested_by=principal.user_id)
    return ScanAccepted(id=row.id, state=row.state, url=f"{PREFIX}/scans/{row.id}")


@admin.get("/scans", response_model=ScansPublic)
def list_scans(session: SessionDep, platform_id: Platform, page: PageDep) -> ListingResponse:
    return ListingResponse(services.scans_listing(session, platform_id, page=page))


@admin.get("/scans/trend", response_model=list[ScanTrendPoint])
def scan_trend(
    session: SessionDep,
    platform_id: Platform,
    limit: Annotated[int, Query(ge=1, le=365)] = 30,
) -> list[ScanTrendPoint]:
    """The last succeeded scans, oldest first, with their violations by rule."""
    return services.trend(session, platform_id, limit=limit)


@admin.get("/scans/{scan_id}", response_model=ScanPublic)
def get_scan(session: SessionDep, platform_id: Platform, scan_id: uuid.UUID) -> ScanPublic:
    """A scan's state, progress (steps done of total) and counts."""
    return ScanPublic.model_validate(services.get_scan(session, platform_id, scan_id))


@admin.get("/scans/{scan_id}/violations", response_model=ViolationsPublic)
def list_violations(
    session: SessionDep,
    platform_id: Platform,
    scan_id: uuid.UUID,
    page: PageDep,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    violation_status: Annotated[Literal["new", "unchanged"] | None, Query(alias="status")] = None,
    module: Annotated[str | None, Query(max_length=64)] = None,
) -> ListingResponse:
    return ListingResponse(
        services.violations_listing(
            session,
            platform_id,
            scan_id,
            page=page,
            rule=rule,
            status=violation_status,
            module=module,
        )
    )


@admin.get("/scans/{scan_id}/comparison", response_model=ScanComparison)
def compare_scan(session: SessionDep, platform_id: Platform, scan_id: uuid.UUID) -> ScanComparison:
    """What is new, fixed and unchanged since the previous scan of the same target."""
    return services.comparison(session, platform_id, scan_id)


# -- test collections ----------------------------------------------------------------------------


@admin.get("/test-collections", response_model=TestCollectionsPublic)
def list_collections(session: SessionDep, platform_id: Platform, page: PageDep) -> ListingResponse:
    return ListingResponse(services.collections_listing(session, platform_id, page=page))


@admin.post(
    "/test-collections",
    status_code=status.HTTP_201_CREATED,
    response_model=TestCollectionPublic,
    responses=problem_responses(409, 422),
)
def create_collection(
    session: SessionDep, platform_id: Platform, data: TestCollectionCreate
) -> TestCollectionPublic:
    row = services.create_collection(session, platform_id, data=data)
    return TestCollectionPublic.model_validate(row)


@admin.get("/test-collections/{collection_id}", response_model=TestCollectionPublic)
def get_collection(
    session: SessionDep, platform_id: Platform, collection_id: uuid.UUID
) -> TestCollectionPublic:
    row = services.get_collection(session, platform_id, collection_id)
    return TestCollectionPublic.model_validate(row)


@admin.patch(
    "/test-collections/{collection_id}",
    response_model=TestCollectionPublic,
    responses=problem_responses(409, 422),
)
def update_collection(
    session: SessionDep,
    platform_id: Platform,
    collection_id: uuid.UUID,
    data: TestCollectionUpdate,
) -> TestCollectionPublic:
    row = services.update_collection(session, platform_id, collection_id, data=data)
    return TestCollectionPublic.model_validate(row)


@admin.delete("/test-collections/{collection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_collection(
    session: SessionDep, platform_id: Platform, collection_id: uuid.UUID
) -> Response:
    services.delete_collection(session, platform_id, collection_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- test runs ---------------------------------------------------------------------------------


@admin.post(
    "/test-runs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TestRunAccepted,
    responses=problem_responses(422),
)
def start_test_run(
    session: SessionDep, platform_id: Platform, principal: Superadmin, data: TestRunCreate
) -> TestRunAccepted:
    """Start a pytest run of a collection (or of a path, marker or keyword); the worker
    runs it within its time limit."""
    row = services.request_test_run(session, platform_id, data=data, requested_by=principal.user_id)
    return TestRunAccepted(id=row.id, state=row.state, url=f"{PREFIX}/test-runs/{row.id}")


@admin.get("/test-runs", response_model=TestRunsPublic)
def list_test_runs(
    session: SessionDep,
    platform_id: Platform,
    page: PageDep,
    state: Annotated[str | None, Query(max_length=16)] = None,
    collection_id: uuid.UUID | None = None,
) -> ListingResponse:
    """The history of test runs, newest first."""
    return ListingResponse(
        services.runs_listing(
            session, platform_id, page=page, state=state, collection_id=collection_id
        )
    )


@admin.get("/test-runs/slowest", response_model=list[SlowTest])
def slowest_tests(
    session: SessionDep,
    platform_id: Platform,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    runs: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[SlowTest]:
    """The slowest tests of the recent runs."""
    return services.slowest_tests(session, platform_id, limit=limit, runs=runs)


@admin.get("/test-runs/flaky", response_model=list[FlakyTest])
def flaky_tests(
    session: SessionDep,
    platform_id: Platform,
    runs: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[FlakyTest]:
    """Tests that failed and then passed on the same commit."""
    return services.flaky_tests(session, platform_id, runs=runs)


@admin.get("/test-runs/{run_id}", response_model=TestRunPublic)
def get_test_run(session: SessionDep, platform_id: Platform, run_id: uuid.UUID) -> TestRunPublic:
    """A run's state, progress (`done` of `total` tests) and totals."""
    return TestRunPublic.model_validate(services.get_run(session, platform_id, run_id))


@admin.get("/test-runs/{run_id}/results", response_model=TestResultsPublic)
def list_results(
    session: SessionDep,
    platform_id: Platform,
    run_id: uuid.UUID,
    page: PageDep,
    outcome: Annotated[Literal["passed", "failed", "skipped", "error"] | None, Query()] = None,
    slowest: bool = False,
) -> ListingResponse:
    """The run's tests (by node id, or the slowest first)."""
    return ListingResponse(
        services.results_listing(
            session, platform_id, run_id, page=page, outcome=outcome, slowest=slowest
        )
    )


@admin.get("/test-runs/{run_id}/output", response_model=TestRunOutput)
def run_output(session: SessionDep, platform_id: Platform, run_id: uuid.UUID) -> TestRunOutput:
    """What pytest printed (its head and tail when long)."""
    row = services.get_run(session, platform_id, run_id)
    return TestRunOutput(id=row.id, output=row.output)
