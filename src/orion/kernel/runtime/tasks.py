"""Background tasks: the `task` decorator, the `ModuleTask` base and sending after commit.

A module's `tasks.py` declares plain functions that take a session first:

    @task("billing.reset_period_counters", queue="scheduled")
    def reset_period_counters(session: Session) -> int: ...

`create_celery()` registers each of them on one Celery app with `ModuleTask` as base, which
opens a session per run (committed when the function returns), sets the tenant context from
the `tenant_id` argument, skips tenants for which the module is disabled, records a
`kernel_task_run` row, retries transient errors with exponential backoff, and acknowledges
late so a task whose worker died runs again.

The run's row costs no transaction of its own: a run that succeeds or is skipped writes it
in the task's own transaction (one more statement, same commit); a failed attempt writes it
after the rollback. A run still going after `task_run_started_after_seconds` gets a
`started` row from `StartedRuns`, a thread of the worker process, so a run whose worker
dies stays `started` and `kernel.mark_lost_runs` calls it lost. Both writes are upserts on
the run's id (the end wins), so their order does not matter.

Tasks are sent by name, after commit: `enqueue(session, "billing.sync", tenant_id=...)`.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import structlog
from celery import Task
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from orion.kernel.data.db import Database, after_commit, utcnow
from orion.kernel.data.tenancy import set_tenant
from orion.kernel.errors import NotFound, TransientError
from orion.kernel.runtime import observability
from orion.kernel.runtime.models import TaskRun

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime

log = structlog.get_logger(__name__)

KERNEL = "kernel"  # owner of the kernel's own tasks (outbox delivery, fan-out, clean-up)

# Failures worth another try: our own TransientError, a dropped database connection, a
# socket that timed out.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    OperationalError,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    function: Callable[..., Any]
    queue: str | None = None
    max_retries: int = 5
    retry_on: tuple[type[BaseException], ...] = ()
    time_limit: int | None = None
    accepts_tenant: bool = False


def task(
    name: str,
    *,
    queue: str | None = None,
    max_retries: int = 5,
    retry_on: tuple[type[BaseException], ...] = (),
    time_limit: int | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a module task. The function takes `session` first, then keyword arguments."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        function.__orion_task__ = TaskSpec(  # type: ignore[attr-defined]
            name=name,
            function=function,
            queue=queue,
            max_retries=max_retries,
            retry_on=retry_on,
            time_limit=time_limit,
            accepts_tenant="tenant_id" in inspect.signature(function).parameters,
        )
        return function

    return decorate


def task_specs(module: Any) -> list[TaskSpec]:
    return [
        value.__orion_task__
        for value in vars(module).values()
        if callable(value) and isinstance(getattr(value, "__orion_task__", None), TaskSpec)
    ]


class ModuleTask(Task):
    """Base class of every Orion task (see the module docstring)."""

    acks_late = True
    reject_on_worker_lost = True
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    orion_spec: TaskSpec
    orion_module: str

    @property
    def runtime(self) -> Runtime:
        return self.app.orion  # type: ignore[attr-defined]

    def execute(self, tenant_id: str | None, kwargs: dict[str, Any]) -> Any:
        tenant_uuid = uuid.UUID(str(tenant_id)) if tenant_id else None
        queue = (self.request.delivery_info or {}).get("routing_key") or self.queue_name
        run = self._run_values(tenant_uuid, queue, kwargs)
        started_runs = None if self.request.is_eager else started_runs_of(self.app)
        if started_runs is not None:
            started_runs.add(run)
        started = time.perf_counter()
        state, error, recorded = "succeeded", None, False
        structlog.contextvars.bind_contextvars(
            task=self.name,
            task_id=self.request.id,
            module=self.orion_module,
            tenant=str(tenant_uuid) if tenant_uuid else None,
        )
        try:
            with self.runtime.database.unit_of_work() as session:
                state, result = self._run(session, tenant_uuid, kwargs)
                elapsed = time.perf_counter() - started
                record_run(session, ended_run(run, state, None, elapsed))
            recorded = True
            return result
        except BaseException as exc:
            will_retry = isinstance(exc, self.retryable) and self.request.retries < (
                self.max_retries or 0
            )
            state = "retrying" if will_retry else "failed"
            error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
            raise
        finally:
            elapsed = time.perf_counter() - started
            if started_runs is not None:
                started_runs.discard(run["id"])
            if not recorded:  # the task's transaction rolled back, and its row with it
                self._record_failure(ended_run(run, state, error, elapsed))
            observability.TASK_RUNS.labels(self.name, queue or "", state).inc()
            observability.TASK_DURATION.labels(self.name, queue or "", state).observe(elapsed)
            structlog.contextvars.unbind_contextvars("task", "task_id", "module", "tenant")

    def _run(
        self, session: Session, tenant_uuid: uuid.UUID | None, kwargs: dict[str, Any]
    ) -> tuple[str, Any]:
        """(state, result): the function's result, or `skipped` when there is nothing to do."""
        runtime = self.runtime
        if tenant_uuid is None and not self._enabled_anywhere(session):
            log.info("task_skipped_module_disabled_everywhere")
            return "skipped", None
        if tenant_uuid is not None:
            try:
                tenant = runtime.tenant_context(session, tenant_uuid)
            except NotFound:
                # Deleted since the task was sent: nothing of its is left to do.
                log.info("task_skipped_tenant_gone")
                return "skipped", None
            if not self._enabled_for(session, tenant.platform_id, tenant_uuid):
                log.info("task_skipped_module_disabled")
                return "skipped", None
            set_tenant(session, tenant)
        if self.orion_spec.accepts_tenant:
            kwargs = {**kwargs, "tenant_id": tenant_uuid}
        return "succeeded", self.orion_spec.function(session, **kwargs)

    @property
    def retryable(self) -> tuple[type[BaseException], ...]:
        return TRANSIENT_ERRORS + self.orion_spec.retry_on

    @property
    def queue_name(self) -> str:
        if self.orion_spec.queue:
            return self.orion_spec.queue
        if self.orion_module == KERNEL:
            return "default"
        return self.runtime.registry.get(self.orion_module).task_queue

    def _enabled_for(
        self, session: Session, platform_id: uuid.UUID | None, tenant_id: uuid.UUID
    ) -> bool:
        runtime = self.runtime
        if self.orion_module == KERNEL:
            return True
        definition = runtime.registry.get(self.orion_module)
        if definition.always_on:
            return True
        if platform_id is None:
            return False
        return runtime.modules.is_enabled(
            session, definition.code, platform_id=platform_id, tenant_id=tenant_id
        )

    def _enabled_anywhere(self, session: Session) -> bool:
        if self.orion_module == KERNEL:
            return True
        definition = self.runtime.registry.get(self.orion_module)
        return definition.always_on or self.runtime.modules.enabled_anywhere(
            session, definition.code
        )

    def _run_values(
        self, tenant_id: uuid.UUID | None, queue: str | None, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "task_id": self.request.id or "",
            "name": self.name,
            "queue": queue,
            "module": self.orion_module,
            "tenant_id": tenant_id,
            "state": "started",
            "attempt": (self.request.retries or 0) + 1,
            "started_at": utcnow(),
            "arguments": kept_arguments(kwargs),
        }

    def _record_failure(self, values: dict[str, Any]) -> None:
        try:
            with self.runtime.database.unit_of_work() as session:
                record_run(session, values)
        except Exception:
            log.exception("task_run_record_failed", run_id=str(values["id"]))


ARGUMENTS_LIMIT = 8192  # bytes of JSON: tasks take references (ids), not documents


def kept_arguments(kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The arguments a run records, so that it can be sent again as it was; None when they
    are too large to keep or not JSON. Tasks take ids, never secrets (docs/tasks.md)."""
    try:
        encoded = orjson.dumps(kwargs)
    except TypeError:
        return None
    return kwargs if len(encoded) <= ARGUMENTS_LIMIT else None


def ended_run(run: dict[str, Any], state: str, error: str | None, elapsed: float) -> dict[str, Any]:
    return {
        **run,
        "state": state,
        "error": error,
        "finished_at": utcnow(),
        "duration_ms": int(elapsed * 1000),
    }


def _upsert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(TaskRun.__table__)


_END_COLUMNS = ("state", "error", "finished_at", "duration_ms")


def record_run(session: Session, values: dict[str, Any]) -> None:
    """The run's final row; it replaces a `started` row written earlier for the same run."""
    statement = _upsert(session).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={column: statement.excluded[column] for column in _END_COLUMNS},
        )
    )


class StartedRuns:
    """Writes a `started` row for each run still going `delay` seconds after it began.

    One daemon thread per worker process (started on first use, again after a fork), one
    transaction per batch of due runs. Runs that end before they are due are never written
    here: their own transaction records them. A `started` row never overwrites an end.
    """

    def __init__(self, database: Database, delay: float) -> None:
        self.database = database
        self.delay = delay
        self._due: dict[uuid.UUID, tuple[float, dict[str, Any]]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = False

    def add(self, run: dict[str, Any]) -> None:
        with self._wake:
            self._due[run["id"]] = (time.monotonic() + self.delay, run)
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._stopping = False
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._loop, name="orion-started-runs", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def discard(self, run_id: uuid.UUID) -> None:
        with self._wake:
            self._due.pop(run_id, None)

    def stop(self) -> None:
        """Write the runs that are still going (a warm shutdown waits for them) and stop."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                due = [run for at, run in self._due.values() if at <= now or self._stopping]
                for run in due:
                    del self._due[run["id"]]
                if not due:
                    if self._stopping:
                        self._thread = None
                        return
                    soonest = min((at for at, _run in self._due.values()), default=now + 60)
                    self._wake.wait(timeout=max(soonest - now, 0.001))
                    continue
            self._write(due)

    def _write(self, runs: list[dict[str, Any]]) -> None:
        try:
            with self.database.unit_of_work() as session:
                session.execute(
                    _upsert(session).values(runs).on_conflict_do_nothing(index_elements=["id"])
                )
        except Exception:
            log.exception("task_run_record_failed", runs=len(runs))


def started_runs_of(celery: Any) -> StartedRuns | None:
    return getattr(celery, "orion_started_runs", None)


def register_tasks(
    celery: Any, module_code: str, specs: list[TaskSpec], default_queue: str
) -> None:
    for spec in specs:

        def run(self: ModuleTask, tenant_id: str | None = None, **kwargs: Any) -> Any:
            return self.execute(tenant_id, kwargs)

        run.__name__ = spec.function.__name__
        run.__doc__ = spec.function.__doc__
        run.__module__ = spec.function.__module__
        celery.task(
            run,
            name=spec.name,
            base=ModuleTask,
            bind=True,
            shared=False,  # each app (there may be several in one process) has its own
            queue=spec.queue or default_queue,
            autoretry_for=TRANSIENT_ERRORS + spec.retry_on,
            max_retries=spec.max_retries,
            time_limit=spec.time_limit,
            orion_spec=spec,
            orion_module=module_code,
        )


def enqueue(
    session: Session,
    name: str,
    *,
    tenant_id: uuid.UUID | str | None = None,
    countdown: float | None = None,
    **kwargs: Any,
) -> None:
    """Send task `name` once the session's transaction commits; never if it rolls back."""
    runtime: Runtime = session.info["orion.runtime"]
    payload = {key: _jsonable(value) for key, value in kwargs.items()}
    if tenant_id is not None:
        payload["tenant_id"] = str(tenant_id)
    options: dict[str, Any] = {}
    if countdown:
        options["countdown"] = countdown
    after_commit(session, lambda: runtime.send_task(name, kwargs=payload, **options))


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value
