"""Tasks: sent after commit, dropped on rollback, retried with backoff, recorded per run."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from orion_testkit.widgets import service
from orion_testkit.widgets.models import Widget, WidgetCount
from sqlalchemy import select

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import set_tenant
from orion.kernel.runtime.models import TaskRun
from orion.kernel.runtime.tasks import (
    ModuleTask,
    StartedRuns,
    ended_run,
    enqueue,
    record_run,
)
from tests.helpers import platform_session, tenant_headers, wait_for


def _runs(runtime, task_id):
    with platform_session(runtime) as session:
        return session.scalars(
            select(TaskRun).where(TaskRun.task_id == task_id).order_by(TaskRun.attempt)
        ).all()


def test_task_is_recorded_with_its_queue_module_timings_and_result(runtime, worker, enable):
    enable("widgets")
    result = runtime.celery.send_task("widgets.echo", kwargs={"value": "ping"})
    assert result.get(timeout=30) == "ping"
    assert wait_for(lambda: [r.state for r in _runs(runtime, result.id)] == ["succeeded"])
    run = _runs(runtime, result.id)[0]
    assert run.name == "widgets.echo"
    assert run.queue == "long_running"  # routed by the task's own declaration
    assert run.module == "widgets"
    assert run.arguments == {"value": "ping"}  # kept, so that a failed run can be sent again
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert run.duration_ms is not None and run.error is None


def test_transient_failures_are_retried_with_backoff_until_success(runtime, worker, enable):
    enable("widgets")
    key = uuid.uuid4().hex
    result = runtime.celery.send_task("widgets.flaky", kwargs={"key": key, "failures": 2})
    assert result.get(timeout=60) == 3
    assert wait_for(lambda: len(_runs(runtime, result.id)) == 3)
    runs = _runs(runtime, result.id)
    assert [r.state for r in runs] == ["retrying", "retrying", "succeeded"]
    assert [r.attempt for r in runs] == [1, 2, 3]
    assert "upstream busy" in (runs[0].error or "")


def test_a_task_that_keeps_failing_is_recorded_as_failed(runtime, worker, enable):
    enable("widgets")
    key = uuid.uuid4().hex
    result = runtime.celery.send_task("widgets.flaky", kwargs={"key": key, "failures": 99})
    with pytest.raises(Exception, match="upstream busy"):
        result.get(timeout=120)
    assert wait_for(lambda: len(_runs(runtime, result.id)) == 4)
    assert [r.state for r in _runs(runtime, result.id)] == ["retrying"] * 3 + ["failed"]


def test_retry_backoff_is_configured_on_every_module_task(runtime):
    task = runtime.celery.tasks["widgets.flaky"]
    assert isinstance(task, ModuleTask)
    assert task.acks_late and task.reject_on_worker_lost
    assert task.retry_backoff and task.retry_jitter and task.max_retries == 3
    assert Retry not in task.autoretry_for  # only transient errors are retried


def test_enqueued_task_is_sent_after_commit(runtime, worker, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        service.create_widget(session, name="counted")
        enqueue(session, "widgets.count", tenant_id=tenant.tenant_id)

    def counted():
        with platform_session(runtime) as session:
            return session.scalars(
                select(WidgetCount.count).where(WidgetCount.tenant_id == tenant.tenant_id)
            ).all() == [1]

    assert wait_for(counted), [
        (r.name, r.state, r.error) for r in _tenant_runs(runtime, tenant.tenant_id)
    ]


def _tenant_runs(runtime, tenant_id):
    with platform_session(runtime) as session:
        return session.scalars(select(TaskRun).where(TaskRun.tenant_id == tenant_id)).all()


def test_request_that_fails_keeps_nothing_and_sends_no_task(
    runtime, worker, client, make_tenant, enable
):
    tenant = make_tenant()
    enable("widgets")
    response = client.post(
        "/api/v1/widgets/widgets/fail", json={"name": "doomed"}, headers=tenant_headers(tenant)
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    time.sleep(0.5)  # a task, had it been sent, would have run by now
    with platform_session(runtime) as session:
        assert (
            session.scalars(select(Widget).where(Widget.tenant_id == tenant.tenant_id)).all() == []
        )
        assert (
            session.scalars(select(TaskRun).where(TaskRun.tenant_id == tenant.tenant_id)).all()
            == []
        )


def test_enqueue_inside_a_rolled_back_savepoint_is_dropped(runtime, worker, make_tenant, enable):
    kept, dropped = make_tenant("Kept"), make_tenant("Dropped")
    enable("widgets")
    with runtime.database.unit_of_work() as session:
        savepoint = session.begin_nested()
        enqueue(session, "widgets.count", tenant_id=dropped.tenant_id)
        savepoint.rollback()
        enqueue(session, "widgets.count", tenant_id=kept.tenant_id)

    def runs_for(tenant):
        with platform_session(runtime) as session:
            return session.scalars(
                select(TaskRun).where(TaskRun.tenant_id == tenant.tenant_id)
            ).all()

    assert wait_for(lambda: [r.state for r in runs_for(kept)] == ["succeeded"])
    assert runs_for(dropped) == []


def test_a_platform_wide_task_of_a_module_enabled_nowhere_is_skipped(tmp_path):
    """In a deployment where no platform has widgets on, its tasks have nothing to do."""
    from orion.kernel.runtime import build_runtime
    from orion.kernel.runtime.worker import create_celery
    from orion.kernel.tooling import migrate
    from tests.conftest import drop_database, fresh_database_url, make_settings

    url = fresh_database_url(tmp_path, "nowhere")
    runtime = build_runtime(make_settings(url))
    try:
        migrate.upgrade(runtime)
        celery = create_celery(runtime=runtime)
        # Run in this process (Celery's apply): the memory broker is shared by every app in
        # the process, so another test's worker could take a sent task.
        result = celery.tasks["widgets.echo"].apply(kwargs={"value": "x"})
        assert result.get(timeout=30) is None
        assert [r.state for r in _runs(runtime, result.id)] == ["skipped"]
    finally:
        runtime.close()
        drop_database(url)


def test_runs_that_will_never_end_are_marked_lost(runtime, worker):
    """A run whose worker died stays `started` for ever: the sweep calls it lost once a later
    attempt of the same task started, or once it is past its task's time limit."""
    now = utcnow()
    redelivered = uuid.uuid4().hex
    rows = {
        "died": TaskRun(
            task_id=redelivered,
            name="widgets.echo",
            state="started",
            started_at=now - timedelta(hours=1),
        ),
        "retried": TaskRun(
            task_id=redelivered,
            name="widgets.echo",
            state="succeeded",
            started_at=now - timedelta(minutes=30),
            attempt=2,
        ),
        "overdue": TaskRun(
            task_id=uuid.uuid4().hex,
            name="widgets.bounded",
            state="started",
            started_at=now - timedelta(hours=2),
        ),
        "in_time": TaskRun(
            task_id=uuid.uuid4().hex,
            name="widgets.bounded",
            state="started",
            started_at=now - timedelta(seconds=10),
        ),
        "unbounded": TaskRun(
            task_id=uuid.uuid4().hex,
            name="widgets.echo",
            state="started",
            started_at=now - timedelta(days=2),
        ),
    }
    with runtime.database.unit_of_work() as session:
        session.add_all(rows.values())
    ids = {name: row.id for name, row in rows.items()}

    counts = runtime.celery.send_task("kernel.mark_lost_runs").get(timeout=30)

    assert counts["superseded"] >= 1 and counts["overdue"] >= 1
    with platform_session(runtime) as session:
        states = {name: session.get(TaskRun, run_id).state for name, run_id in ids.items()}
    assert states == {
        "died": "lost",
        "retried": "succeeded",
        "overdue": "lost",
        "in_time": "started",
        "unbounded": "started",
    }


def _run_values(**values):
    return {
        "id": uuid.uuid4(),
        "task_id": uuid.uuid4().hex,
        "name": "widgets.echo",
        "queue": "default",
        "module": "widgets",
        "tenant_id": None,
        "state": "started",
        "attempt": 1,
        "started_at": utcnow(),
        **values,
    }


def _state(runtime, run_id):
    with platform_session(runtime) as session:
        run = session.get(TaskRun, run_id)
        return run.state if run is not None else None


def test_a_run_still_going_gets_a_started_row_that_its_end_replaces(runtime):
    """What a dead worker leaves behind is a `started` row; a late `started` write never
    overwrites an end already recorded."""
    started_runs = StartedRuns(runtime.database, delay=0)
    run = _run_values()
    started_runs.add(run)
    assert wait_for(lambda: _state(runtime, run["id"]) == "started")
    with runtime.database.unit_of_work() as session:
        record_run(session, ended_run(run, "succeeded", None, 0.25))
    started_runs.add(run)  # as if the thread were behind the task
    started_runs.stop()  # writes what is pending, then stops
    with platform_session(runtime) as session:
        row = session.get(TaskRun, run["id"])
        assert (row.state, row.duration_ms, row.error) == ("succeeded", 250, None)
        assert row.finished_at is not None


def test_a_run_that_ends_before_it_is_due_is_written_once_by_its_own_transaction(runtime):
    started_runs = StartedRuns(runtime.database, delay=60)
    run = _run_values()
    started_runs.add(run)
    started_runs.discard(run["id"])  # what ModuleTask does when the run ends
    started_runs.stop()
    assert _state(runtime, run["id"]) is None


def test_a_short_task_writes_its_run_in_its_own_transaction(runtime):
    """One transaction for the task and its row: none before it, none after it."""
    from sqlalchemy import event

    commits = []

    def committed(_connection):
        commits.append(1)

    event.listen(runtime.database.engine, "commit", committed)
    try:
        result = runtime.celery.tasks["kernel.purge_history"].apply()
        assert result.get(timeout=30) is not None
    finally:
        event.remove(runtime.database.engine, "commit", committed)
    assert [r.state for r in _runs(runtime, result.id)] == ["succeeded"]
    assert len(commits) == 1
