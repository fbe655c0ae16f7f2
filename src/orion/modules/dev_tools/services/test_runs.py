"""Test runs: named collections, a run requested and executed (as a task) in a pytest
subprocess, its per-test results, the slowest tests and the flaky ones."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.errors import FieldError, ValidationFailed
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.tasks import enqueue
from orion.modules.dev_tools.events import TestRunFinished
from orion.modules.dev_tools.exceptions import CollectionNameTaken, PathRefused
from orion.modules.dev_tools.models import TestCollection, TestResult, TestRun
from orion.modules.dev_tools.repository import (
    TestCollectionRepository,
    TestResultRepository,
    TestRunRepository,
)
from orion.modules.dev_tools.scanning import project_root
from orion.modules.dev_tools.schemas import (
    FlakyTest,
    SlowTest,
    TestCollectionCreate,
    TestCollectionsPublic,
    TestCollectionUpdate,
    TestResultsPublic,
    TestRunCreate,
    TestRunsPublic,
)
from orion.modules.dev_tools.services.common import (
    checked_path,
    clip,
    ensure_enabled,
    is_enabled,
    mark,
    progress_writer,
    settings_of,
    shown_path,
)
from orion.modules.dev_tools.testing.runner import RunRequest, current_commit, run_pytest

RUN_TASK = "dev_tools.execute_test_run"
FINISHED = ("passed", "failed", "error", "timed_out", "refused")

# -- collections -------------------------------------------------------------------------------


def create_collection(
    session: Session, platform_id: uuid.UUID, *, data: TestCollectionCreate
) -> TestCollection:
    ensure_enabled(session)
    path = shown_path(checked_path(session, data.path))
    row = TestCollection(platform_id=platform_id, **data.model_dump() | {"path": path})
    return _saved(session, row)


def update_collection(
    session: Session,
    platform_id: uuid.UUID,
    collection_id: uuid.UUID,
    *,
    data: TestCollectionUpdate,
) -> TestCollection:
    row = get_collection(session, platform_id, collection_id)
    values = data.model_dump(exclude_unset=True)
    if values.get("path") is not None:
        values["path"] = shown_path(checked_path(session, values["path"]))
    for name, value in values.items():
        if name in ("name", "path") and value is None:
            continue
        setattr(row, name, value)
    return _saved(session, row)


def _saved(session: Session, row: TestCollection) -> TestCollection:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise CollectionNameTaken(
            f"a test collection named {row.name!r} exists already",
            errors=[FieldError("name", "is taken")],
        ) from None
    return row


def delete_collection(session: Session, platform_id: uuid.UUID, collection_id: uuid.UUID) -> None:
    TestCollectionRepository(session).delete(get_collection(session, platform_id, collection_id))


def get_collection(
    session: Session, platform_id: uuid.UUID, collection_id: uuid.UUID
) -> TestCollection:
    row = TestCollectionRepository(session).get(collection_id)
    if row.platform_id != platform_id:
        raise TestCollectionRepository.not_found(f"test collection {collection_id} does not exist")
    return row


def collections_listing(
    session: Session, platform_id: uuid.UUID, *, page: Page
) -> TestCollectionsPublic:
    repository = TestCollectionRepository(session)
    query = repository.select().where(TestCollection.platform_id == platform_id)
    return repository.listing(TestCollectionsPublic, query, page, TestCollection.name)


# -- requesting and running ----------------------------------------------------------------------


def request_test_run(
    session: Session,
    platform_id: uuid.UUID,
    *,
    data: TestRunCreate,
    requested_by: uuid.UUID | None = None,
) -> TestRun:
    """A pending run of a collection (or of a path, marker, keyword given here), sent to the
    worker once the transaction commits."""
    settings = ensure_enabled(session)
    collection = (
        get_collection(session, platform_id, data.collection_id) if data.collection_id else None
    )
    path = data.path or (collection.path if collection else None)
    if path is None:
        raise ValidationFailed(
            "name a collection or a path to run",
            errors=[FieldError("path", "give a path or a collection_id")],
        )
    limit = (
        data.time_limit_seconds
        or (collection.time_limit_seconds if collection else None)
        or settings.test_time_limit_seconds
    )
    row = TestRunRepository(session).add(
        TestRun(
            platform_id=platform_id,
            collection_id=collection.id if collection else None,
            path=shown_path(checked_path(session, path)),
            marker=data.marker or (collection.marker if collection else None),
            keyword=data.keyword or (collection.keyword if collection else None),
            time_limit_seconds=limit,
            state="pending",
            requested_by=requested_by,
        )
    )
    enqueue(session, RUN_TASK, run_id=row.id)
    return row


def execute_test_run(session: Session, run_id: uuid.UUID) -> dict[str, Any]:
    """Run a requested test run (the task's body; a finished run is left as it is). State
    and progress are written at once in transactions of their own; the results land with
    the task's commit."""
    runtime = runtime_of(session)
    settings = settings_of(runtime)
    with runtime.database.unit_of_work() as own:
        row = own.get(TestRun, run_id)
        if row is None or row.state in FINISHED:
            return {"state": row.state if row else "missing"}
        if not is_enabled(runtime):
            row.state, row.finished_at = "refused", utcnow()
            row.error = "dev_tools is switched off for this deployment"
            return {"state": "refused"}
        root = project_root()
        try:
            path = checked_path(session, row.path)
        except PathRefused as exc:
            row.state, row.finished_at, row.error = "error", utcnow(), exc.message
            return {"state": "error"}
        request = RunRequest(
            path=path,
            cwd=root,
            marker=row.marker,
            keyword=row.keyword,
            time_limit_seconds=row.time_limit_seconds,
            max_output_chars=settings.max_output_chars,
        )
        row.state, row.started_at, row.error, row.done = "running", utcnow(), None, 0
        row.commit = current_commit(root)
        commit, platform_id = row.commit, row.platform_id
    writer = progress_writer(
        runtime, TestRun, run_id, lambda done, total: {"done": done, "total": total}
    )
    try:
        outcome = run_pytest(request, progress=writer)
    except Exception as exc:
        mark(runtime, TestRun, run_id, state="error", finished_at=utcnow(), error=str(exc))
        raise
    row = TestRunRepository(session).get(run_id)
    session.refresh(row)
    limit = max(settings.max_output_chars // 10, 1000)
    session.execute(TestResult.__table__.delete().where(TestResult.run_id == run_id))
    if outcome.results:
        session.execute(
            TestResult.__table__.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "run_id": run_id,
                    "node_id": result.node_id[:1000],
                    "classname": result.classname[:500],
                    "name": result.name[:500],
                    "file": result.file,
                    "outcome": result.outcome,
                    "duration_seconds": result.duration_seconds,
                    "message": clip(result.message, limit),
                    "output": clip(result.output, limit),
                }
                for result in outcome.results
            ],
        )
    row.state = outcome.state
    row.exit_code = outcome.exit_code
    row.finished_at = utcnow()
    row.duration_ms = outcome.duration_ms
    row.total = outcome.total
    row.done = len(outcome.results) if outcome.state == "timed_out" else (outcome.total or 0)
    row.passed, row.failed = outcome.count("passed"), outcome.count("failed")
    row.skipped, row.errors = outcome.count("skipped"), outcome.count("error")
    row.output = clip(outcome.output, settings.max_output_chars)
    row.error = outcome.error
    session.flush()
    publish(
        session,
        TestRunFinished(
            run_id=run_id,
            platform_id=platform_id,
            state=row.state,
            commit=commit,
            passed=row.passed,
            failed=row.failed,
            skipped=row.skipped,
            errors=row.errors,
        ),
    )
    return {"state": row.state, "passed": row.passed, "failed": row.failed}


# -- reading runs --------------------------------------------------------------------------------


def get_run(session: Session, platform_id: uuid.UUID, run_id: uuid.UUID) -> TestRun:
    row = TestRunRepository(session).get(run_id)
    if row.platform_id != platform_id:
        raise TestRunRepository.not_found(f"test run {run_id} does not exist")
    return row


def runs_listing(
    session: Session,
    platform_id: uuid.UUID,
    *,
    page: Page,
    state: str | None = None,
    collection_id: uuid.UUID | None = None,
) -> TestRunsPublic:
    repository = TestRunRepository(session)
    query = repository.select().where(TestRun.platform_id == platform_id)
    if state:
        query = query.where(TestRun.state == state)
    if collection_id:
        query = query.where(TestRun.collection_id == collection_id)
    return repository.listing(TestRunsPublic, query, page, TestRun.created_at.desc())


def results_listing(
    session: Session,
    platform_id: uuid.UUID,
    run_id: uuid.UUID,
    *,
    page: Page,
    outcome: str | None = None,
    slowest: bool = False,
) -> TestResultsPublic:
    get_run(session, platform_id, run_id)
    repository = TestResultRepository(session)
    query = repository.select().where(TestResult.run_id == run_id)
    if outcome:
        query = query.where(TestResult.outcome == outcome)
    order = (TestResult.duration_seconds.desc(),) if slowest else (TestResult.node_id,)
    return repository.listing(TestResultsPublic, query, page, *order)


def _recent_runs(session: Session, platform_id: uuid.UUID, runs: int) -> list[TestRun]:
    return list(
        session.scalars(
            select(TestRun)
            .where(
                TestRun.platform_id == platform_id,
                TestRun.state.in_(("passed", "failed", "error", "timed_out")),
            )
            .order_by(TestRun.created_at.desc())
            .limit(runs)
        )
    )


def slowest_tests(
    session: Session, platform_id: uuid.UUID, *, limit: int = 20, runs: int = 20
) -> list[SlowTest]:
    """The slowest tests of the last `runs` runs: each test's latest duration, with its
    average over those runs."""
    recent = _recent_runs(session, platform_id, runs)
    order = {run.id: index for index, run in enumerate(recent)}  # 0: the newest
    seen: dict[str, dict[str, Any]] = {}
    if recent:
        for run_id, node_id, duration, outcome in session.execute(
            select(
                TestResult.run_id,
                TestResult.node_id,
                TestResult.duration_seconds,
                TestResult.outcome,
            ).where(TestResult.run_id.in_(list(order)), TestResult.outcome != "skipped")
        ):
            entry = seen.setdefault(node_id, {"total": 0.0, "runs": 0, "latest": None})
            entry["total"] += duration
            entry["runs"] += 1
            if entry["latest"] is None or order[run_id] < order[entry["latest"][0]]:
                entry["latest"] = (run_id, duration, outcome)
    tests = [
        SlowTest(
            node_id=node_id,
            duration_seconds=entry["latest"][1],
            outcome=entry["latest"][2],
            run_id=entry["latest"][0],
            runs=entry["runs"],
            average_seconds=round(entry["total"] / entry["runs"], 6),
        )
        for node_id, entry in seen.items()
    ]
    tests.sort(key=lambda t: (-t.duration_seconds, t.node_id))
    return tests[:limit]


def flaky_tests(session: Session, platform_id: uuid.UUID, *, runs: int = 200) -> list[FlakyTest]:
    """Tests that failed (or errored) in one run and passed in a later run on the same
    commit, among the last `runs` runs; the latest such pair of each test and commit."""
    recent = _recent_runs(session, platform_id, runs)
    by_id = {run.id: run for run in recent if run.commit}
    if not by_id:
        return []
    history: dict[tuple[str, str], list[tuple[Any, uuid.UUID, str]]] = {}
    for run_id, node_id, outcome in session.execute(
        select(TestResult.run_id, TestResult.node_id, TestResult.outcome).where(
            TestResult.run_id.in_(list(by_id)), TestResult.outcome != "skipped"
        )
    ):
        run = by_id[run_id]
        history.setdefault((node_id, run.commit), []).append((run.created_at, run_id, outcome))
    found = []
    for (node_id, commit), entries in history.items():
        entries.sort(key=lambda entry: entry[0])
        last_failure = None
        pair = None
        for created_at, run_id, outcome in entries:
            if outcome in ("failed", "error"):
                last_failure = run_id
            elif outcome == "passed" and last_failure is not None:
                pair = (last_failure, run_id, created_at)
        if pair is not None:
            found.append(
                FlakyTest(
                    node_id=node_id,
                    commit=commit,
                    failed_run_id=pair[0],
                    passed_run_id=pair[1],
                    seen_at=pair[2],
                )
            )
    found.sort(key=lambda flaky: (flaky.seen_at, flaky.node_id), reverse=True)
    return found
