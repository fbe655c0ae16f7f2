"""`create_celery(settings)`: one Celery app built from the module registry.

Queues `default`, `long_running` and `scheduled`; each module's tasks are registered from
its `tasks_path` and routed to their queue; the Beat schedule comes from every module's
`ScheduledTask`s. With no broker configured, an in-memory broker is used and the embedded
worker and scheduler (`EmbeddedWorker`) run inside the `orion serve` process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import structlog
from celery import Celery, signals
from kombu import Queue

from orion.kernel.contract.modules import QUEUES
from orion.kernel.runtime import Runtime, build_runtime, jobs
from orion.kernel.runtime.scheduling import ClaimingScheduler, beat_schedule
from orion.kernel.runtime.tasks import (
    KERNEL,
    StartedRuns,
    register_tasks,
    started_runs_of,
    task_specs,
)
from orion.settings import OrionSettings

if TYPE_CHECKING:
    from celery.contrib.testing.worker import TestWorkController

log = structlog.get_logger(__name__)


def create_celery(
    settings: OrionSettings | None = None, *, runtime: Runtime | None = None
) -> Celery:
    if runtime is None:
        if settings is None:
            raise ValueError("create_celery needs settings or a runtime")
        runtime = build_runtime(settings)
    settings = runtime.settings
    broker = settings.broker_url or "memory://localhost/"
    backend = settings.result_backend_url or (
        settings.broker_url if (settings.broker_url or "").startswith("redis") else "rpc://"
    )
    app = Celery("orion", broker=broker, backend=backend, set_as_current=False)
    app.orion = runtime  # type: ignore[attr-defined]
    app.orion_started_runs = StartedRuns(  # type: ignore[attr-defined]
        runtime.database, settings.task_run_started_after_seconds
    )
    tasks = ModuleTasks(app, runtime)
    # Sent by the API, a worker or Beat: the task modules are imported on first need.
    app.on_after_finalize.connect(tasks.load, weak=False)

    app.conf.update(
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="default",
        task_routes=tasks,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        result_expires=3600,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(runtime.registry, jobs.KERNEL_SCHEDULE),
        beat_scheduler=ClaimingScheduler,
        # Redis redelivers an unacknowledged task after this long; keep it above the
        # longest task so a slow task is not run twice.
        broker_transport_options={
            "visibility_timeout": 3600,
            # The in-memory broker polls; its default second is felt by every embedded task.
            **({"polling_interval": 0.05} if broker.startswith("memory://") else {}),
            **(
                {"global_keyprefix": settings.broker_key_prefix}
                if settings.broker_key_prefix
                else {}
            ),
        },
        result_backend_transport_options=(
            {"global_keyprefix": settings.broker_key_prefix} if settings.broker_key_prefix else {}
        ),
    )
    runtime.celery = app

    # Worker and Beat processes run the modules' start-up and shut-down hooks too.
    def started(sender: Any = None, **_: Any) -> None:
        if getattr(sender, "app", sender) is app:
            runtime.start()

    def stopped(sender: Any = None, **_: Any) -> None:
        if getattr(sender, "app", sender) is app:
            app.orion_started_runs.stop()  # type: ignore[attr-defined]
            runtime.stop()

    signals.worker_init.connect(started, weak=False)
    signals.beat_init.connect(started, weak=False)
    signals.worker_shutdown.connect(stopped, weak=False)
    return app


class ModuleTasks(Mapping[str, dict[str, str]]):
    """The task routes (name -> queue), and the registration of every module's tasks.

    Importing a module's `tasks.py` imports its services, so it waits until something needs
    a task: a worker or Beat starting, or `celery.tasks` (both finalize the app), or the
    first task sent (Celery reads the routes then). The kernel's own tasks are registered
    at once; they are imported already.
    """

    def __init__(self, app: Celery, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.routes: dict[str, dict[str, str]] = {}
        self.loaded = False
        self._lock = threading.RLock()
        register_tasks(app, KERNEL, task_specs(jobs), "default")
        for spec in task_specs(jobs):
            self.routes[spec.name] = {"queue": spec.queue or "default"}

    def load(self, *_: Any, **__: Any) -> None:
        with self._lock:
            if self.loaded:
                return
            self.loaded = True
            registry = self.runtime.registry
            for definition in registry.ordered:
                if not definition.tasks_path:
                    continue
                specs = task_specs(registry.resolve(definition.tasks_path))
                register_tasks(self.app, definition.code, specs, definition.task_queue)
                for spec in specs:
                    self.routes[spec.name] = {"queue": spec.queue or definition.task_queue}

    def __getitem__(self, name: str) -> dict[str, str]:
        self.load()
        return self.routes[name]

    def __iter__(self) -> Iterator[str]:
        self.load()
        return iter(self.routes)

    def __len__(self) -> int:
        self.load()
        return len(self.routes)


class EmbeddedWorker:
    """A Celery worker (thread pool) and Beat in background threads of this process."""

    def __init__(self, app: Celery, *, concurrency: int = 2, beat: bool = True) -> None:
        self.app = app
        self.concurrency = concurrency
        self.beat_enabled = beat
        self._worker: TestWorkController | None = None
        self._thread: threading.Thread | None = None
        self._beat: Any = None

    def start(self) -> None:
        # Only a process that runs the embedded worker imports what it takes.
        from celery.beat import EmbeddedService
        from celery.contrib.testing.worker import TestWorkController
        from celery.result import _set_task_join_will_block

        self.app.finalize()
        # Pool threads look tasks up on the current app.
        self.app.set_current()
        self.app.set_default()
        self._worker = TestWorkController(
            app=self.app,
            concurrency=self.concurrency,
            pool="threads",
            queues=list(QUEUES),
            loglevel="WARNING",
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            hostname=f"embedded@{threading.get_native_id()}",
        )
        self._thread = threading.Thread(target=self._worker.start, name="orion-worker", daemon=True)
        self._thread.start()
        self._worker.ensure_started()
        # Starting a worker marks this process as "inside a task"; callers here are not.
        _set_task_join_will_block(False)
        if self.beat_enabled:
            self._beat = EmbeddedService(self.app, thread=True, scheduler_cls=ClaimingScheduler)
            self._beat.start()
        log.info("embedded_worker_started", beat=self.beat_enabled)

    def stop(self) -> None:
        if self._beat is not None:
            self._beat.stop()
            self._beat = None
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        started_runs = started_runs_of(self.app)
        if started_runs is not None:
            started_runs.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> EmbeddedWorker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
