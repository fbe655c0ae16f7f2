"""The kernel's background task runs: a filtered list, and the retry of a failed run.

A retry sends the same task again with the same arguments: those the kernel recorded with
the run (`kernel_task_run.arguments`). A run recorded without them (arguments too large
to keep, or a row older than the column) can still be retried when its task takes none
beyond `tenant_id`, or when its optional arguments are those of its Beat entry (a
`ScheduledTask`'s kwargs); otherwise the answer says why not.
"""

from __future__ import annotations

import inspect
import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import after_commit
from orion.kernel.data.paging import Page
from orion.kernel.runtime import Runtime, runtime_of
from orion.kernel.runtime.jobs import KERNEL_SCHEDULE
from orion.kernel.runtime.models import TaskRun
from orion.modules.monitoring.exceptions import RetryNotPossible
from orion.modules.monitoring.repository import FAILED_STATES, TaskRunRepository
from orion.modules.monitoring.schemas import (
    Retryability,
    RetryAccepted,
    TaskRunFilter,
    TaskRunsPublic,
)

API = "/api/v1/admin/monitoring"


def runs_listing(session: Session, *, page: Page, filters: TaskRunFilter) -> TaskRunsPublic:
    repository = TaskRunRepository(session)
    query = repository.select()
    for column in ("state", "name", "queue", "module", "tenant_id", "task_id"):
        value = getattr(filters, column)
        if value is not None and value != "":
            query = query.where(getattr(TaskRun, column) == value)
    if filters.since is not None:
        query = query.where(TaskRun.started_at >= filters.since)
    return repository.listing(TaskRunsPublic, query, page, TaskRun.started_at.desc())


def task_names(session: Session) -> list[str]:
    return TaskRunRepository(session).names()


def get_run(session: Session, run_id: uuid.UUID) -> TaskRun:
    return TaskRunRepository(session).get(run_id)


def _scheduled_kwargs(runtime: Runtime, name: str) -> dict[str, Any] | None:
    entries = list(KERNEL_SCHEDULE) + [
        entry for definition in runtime.registry.ordered for entry in definition.scheduled_tasks
    ]
    for entry in entries:
        if entry.task_name == name:
            return dict(entry.kwargs)
    return None


def retryability(runtime: Runtime, run: TaskRun) -> Retryability:
    """Whether the run can be sent again with the same arguments, and if not, why."""
    if run.state not in FAILED_STATES:
        return Retryability(
            retryable=False, reason=f"only a failed or lost run is retried (this one {run.state})"
        )
    celery = runtime.celery
    task = celery.tasks.get(run.name) if celery is not None else None
    spec = getattr(task, "orion_spec", None)
    if spec is None:
        return Retryability(
            retryable=False, reason=f"no task {run.name} is registered in this deployment"
        )
    if run.arguments is not None:
        kwargs = dict(run.arguments)
        if spec.accepts_tenant and run.tenant_id is not None:
            kwargs["tenant_id"] = str(run.tenant_id)
        return Retryability(retryable=True, kwargs=kwargs)
    parameters = list(inspect.signature(spec.function).parameters.values())[1:]
    arguments = [p for p in parameters if p.name != "tenant_id"]
    required = [p.name for p in arguments if p.default is inspect.Parameter.empty]
    if required:
        return Retryability(
            retryable=False,
            reason=f"it takes arguments ({', '.join(required)}) and this run was recorded "
            "without them (too large to keep)",
        )
    kwargs: dict[str, Any] = {}
    if arguments:
        scheduled = _scheduled_kwargs(runtime, run.name)
        if scheduled is None:
            names = ", ".join(p.name for p in arguments)
            return Retryability(
                retryable=False,
                reason=f"its optional arguments ({names}) may have been given, and this run "
                "was recorded without them",
            )
        kwargs = scheduled
    if spec.accepts_tenant and run.tenant_id is not None:
        kwargs["tenant_id"] = str(run.tenant_id)
    return Retryability(retryable=True, kwargs=kwargs)


def retry_check(session: Session, run_id: uuid.UUID) -> Retryability:
    return retryability(runtime_of(session), get_run(session, run_id))


def retry(session: Session, run_id: uuid.UUID) -> RetryAccepted:
    """Send the run's task again (after commit) with its arguments; 409 when it cannot be."""
    runtime = runtime_of(session)
    run = get_run(session, run_id)
    verdict = retryability(runtime, run)
    if not verdict.retryable:
        raise RetryNotPossible(f"run {run.id} of {run.name} cannot be retried: {verdict.reason}")
    task_id = str(uuid.uuid4())
    name, kwargs = run.name, verdict.kwargs
    after_commit(session, lambda: runtime.send_task(name, kwargs=kwargs, task_id=task_id))
    return RetryAccepted(
        run_id=run.id, task_id=task_id, name=name, url=f"{API}/task-runs?task_id={task_id}"
    )
