"""Test runs: pytest in a subprocess on the sample suite, its JUnit results recorded
exactly (outcomes, durations, messages, output), a run past its time limit stopped and
recorded as such, and flaky tests found across runs on one commit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from orion.kernel.data.paging import Page
from orion.modules.dev_tools import services
from orion.modules.dev_tools.models import TestResult, TestRun
from orion.modules.dev_tools.scanning import project_root
from orion.modules.dev_tools.schemas import TestRunCreate
from orion.modules.dev_tools.testing.runner import RunRequest, run_pytest
from tests.modules.dev_tools.conftest import SUITE, relative

SAMPLE = SUITE / "check_sample.py"


def request(path, **options) -> RunRequest:  # type: ignore[no-untyped-def]
    return RunRequest(path=path, cwd=project_root(), **options)


def test_a_run_records_every_outcome_exactly_with_durations():
    progress: list[tuple[int, int | None]] = []
    outcome = run_pytest(
        request(SAMPLE, time_limit_seconds=120), progress=lambda *a: progress.append(a)
    )

    assert outcome.state == "failed" and outcome.exit_code == 1
    results = {r.node_id: r for r in outcome.results}
    assert {node: r.outcome for node, r in results.items()} == {
        "check_sample.py::test_passes": "passed",
        "check_sample.py::test_parametrized[1]": "passed",
        "check_sample.py::test_parametrized[2]": "passed",
        "check_sample.py::test_fails": "failed",
        "check_sample.py::test_skipped": "skipped",
        "check_sample.py::test_errors": "error",
    }
    assert (outcome.count("passed"), outcome.count("failed")) == (3, 1)
    assert (outcome.count("skipped"), outcome.count("error")) == (1, 1)
    assert outcome.total == 6
    assert results["check_sample.py::test_passes"].duration_seconds >= 0.2
    assert all(r.duration_seconds < 10 for r in outcome.results)
    failed = results["check_sample.py::test_fails"]
    assert "arithmetic is broken" in (failed.message or "")
    assert "output of a failing test" in (failed.output or "")
    assert "the fixture broke" in (results["check_sample.py::test_errors"].message or "")
    assert "not today" in (results["check_sample.py::test_skipped"].message or "")
    assert "1 failed, 3 passed, 1 skipped, 1 error" in outcome.output
    assert progress[0] == (0, 6) and progress[-1] == (6, 6)


def test_a_marker_or_keyword_narrows_the_run():
    outcome = run_pytest(request(SAMPLE, keyword="parametrized", time_limit_seconds=120))
    assert outcome.state == "passed"
    assert sorted(r.name for r in outcome.results) == [
        "test_parametrized[1]",
        "test_parametrized[2]",
    ]
    outcome = run_pytest(
        request(SUITE / "check_hang.py", marker="not hang", time_limit_seconds=120)
    )
    assert outcome.state == "passed" and [r.name for r in outcome.results] == ["test_quick"]


def test_a_run_past_its_time_limit_is_stopped_and_recorded_as_timed_out():
    outcome = run_pytest(request(SUITE / "check_hang.py", time_limit_seconds=3))
    assert outcome.state == "timed_out"
    assert outcome.duration_ms < 30_000  # the hanging test sleeps 120 s
    assert "time limit of 3 s" in (outcome.error or "")
    # What ran before the limit is still recorded (pytest wrote its report on SIGINT).
    assert {r.name: r.outcome for r in outcome.results}.get("test_quick") == "passed"


def test_a_run_that_collects_nothing_is_an_error():
    outcome = run_pytest(request(SAMPLE, keyword="no_such_test", time_limit_seconds=60))
    assert outcome.state == "error" and outcome.exit_code == 5
    assert outcome.error == "no tests were collected"


def test_a_path_outside_the_project_is_refused(runtime, platform):
    from orion.kernel.errors import ValidationFailed

    with runtime.database.unit_of_work() as session, pytest.raises(ValidationFailed) as caught:
        services.request_test_run(session, platform, data=TestRunCreate(path="/etc"))
    assert caught.value.code == "path_refused"
    assert [e.field for e in caught.value.errors] == ["path"]


def run_now(runtime, platform, **data) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A run requested, then executed here (the task's body, in a unit of work of its
    own as the task wrapper gives it)."""
    with runtime.database.unit_of_work() as session:
        run_id = services.request_test_run(session, platform, data=TestRunCreate(**data)).id
    with runtime.database.unit_of_work() as session:
        services.execute_test_run(session, run_id)
    return run_id


def test_a_stored_run_has_its_totals_results_commit_and_output(runtime, platform):
    run_id = run_now(runtime, platform, path=relative(SAMPLE), time_limit_seconds=120)
    with runtime.database.unit_of_work() as session:
        run = session.get(TestRun, run_id)
        assert (run.state, run.passed, run.failed, run.skipped, run.errors) == (
            "failed",
            3,
            1,
            1,
            1,
        )
        assert (run.total, run.done, run.exit_code) == (6, 6, 1)
        assert run.path == relative(SAMPLE)
        assert run.started_at and run.finished_at and run.duration_ms > 0
        assert run.output and "1 failed" in run.output
        rows = session.scalars(select(TestResult).where(TestResult.run_id == run_id)).all()
        assert len(rows) == 6
        slowest = services.results_listing(
            session,
            platform,
            run_id,
            page=Page(limit=1),
            slowest=True,
        )
        assert slowest.data[0].name == "test_passes" and slowest.count == 6
    # Run twice (a task delivered again): nothing changes.
    with runtime.database.unit_of_work() as session:
        assert services.execute_test_run(session, run_id) == {"state": "failed"}


def test_a_timed_out_run_is_stored_as_timed_out(runtime, platform):
    run_id = run_now(
        runtime, platform, path=relative(SUITE / "check_hang.py"), time_limit_seconds=2
    )
    with runtime.database.unit_of_work() as session:
        run = session.get(TestRun, run_id)
        assert run.state == "timed_out" and run.time_limit_seconds == 2
        assert "time limit" in run.error


def test_a_test_that_failed_then_passed_on_the_same_commit_is_flaky(
    runtime, make_platform, tmp_path, monkeypatch
):
    platform = make_platform().id
    monkeypatch.setenv("DEV_TOOLS_SAMPLE_FLAG", str(tmp_path / "flag"))
    path = relative(SUITE / "check_flaky.py")
    first = run_now(runtime, platform, path=path, time_limit_seconds=60)
    second = run_now(runtime, platform, path=path, time_limit_seconds=60)
    with runtime.database.unit_of_work() as session:
        states = [session.get(TestRun, r).state for r in (first, second)]
        assert states == ["failed", "passed"]
        flaky = services.flaky_tests(session, platform)
        commit = session.get(TestRun, second).commit
    if commit is None:
        pytest.skip("not a git checkout: runs have no commit to compare")
    assert [(f.node_id, f.failed_run_id, f.passed_run_id) for f in flaky] == [
        ("check_flaky.py::test_sometimes", first, second)
    ]
    with runtime.database.unit_of_work() as session:
        slow = services.slowest_tests(session, platform)
    assert [(t.node_id, t.runs) for t in slow] == [("check_flaky.py::test_sometimes", 2)]
