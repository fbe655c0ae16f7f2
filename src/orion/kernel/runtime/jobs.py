"""The kernel's own tasks: outbox delivery and sweep, per-tenant fan-out, history clean-up."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, aliased

from orion.kernel.contract.modules import ScheduledTask
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.runtime.events import DELIVER_TASK
from orion.kernel.runtime.models import EventDelivery, OutboxEvent, ScheduleClaim, TaskRun
from orion.kernel.runtime.scheduling import FAN_OUT_TASK
from orion.kernel.runtime.tasks import task

KERNEL_SCHEDULE = (
    ScheduledTask("kernel.sweep_outbox", cron="* * * * *", queue="default"),
    ScheduledTask("kernel.mark_lost_runs", cron="*/15 * * * *", queue="scheduled"),
    ScheduledTask("kernel.purge_history", cron="17 3 * * *", queue="scheduled"),
)


def _runtime(session: Session) -> Any:
    return session.info["orion.runtime"]


@task(DELIVER_TASK, queue="default")
def deliver_events(session: Session, event_ids: list[str]) -> dict[str, int]:
    """Run the after-commit handlers of these outbox events (each handler at most once)."""
    return _runtime(session).events.deliver([uuid.UUID(event_id) for event_id in event_ids])


@task("kernel.sweep_outbox", queue="default")
def sweep_outbox(session: Session) -> dict[str, int]:
    """Deliver events whose delivery task never ran or failed (worker died, broker down)."""
    runtime = _runtime(session)
    pending = runtime.events.pending(older_than_seconds=runtime.settings.outbox_redelivery_seconds)
    if not pending:
        return {"delivered": 0, "failed": 0, "skipped": 0}
    return runtime.events.deliver(pending)


@task(FAN_OUT_TASK, queue="scheduled")
def fan_out(
    session: Session, task: str, module: str | None, queue: str, kwargs: dict[str, Any]
) -> int:
    """Send `task` once per tenant for which `module` is enabled; return how many were sent."""
    runtime = _runtime(session)
    sent = 0
    with all_tenants(session):
        tenants = runtime.directory.tenants(session)
    if module is not None:
        tenants = runtime.modules.tenants_with(session, module, tenants)
    for tenant in tenants:
        runtime.send_task(task, kwargs={**kwargs, "tenant_id": str(tenant.tenant_id)}, queue=queue)
        sent += 1
    return sent


LOST_GRACE = timedelta(minutes=5)  # past a time limit, before a run is called lost


@task("kernel.mark_lost_runs", queue="scheduled")
def mark_lost_runs(session: Session) -> dict[str, int]:
    """Runs that will never record their end (the worker died, or killed the task at its
    time limit) still say `started`; call them `lost`, so what monitoring shows is true.
    A run is lost when a later attempt of the same task started (acks_late redelivered it),
    or when it started longer ago than its task's time limit allows."""
    runtime = _runtime(session)
    now = utcnow()
    later = aliased(TaskRun)
    superseded = session.execute(
        update(TaskRun)
        .where(
            TaskRun.state == "started",
            select(later.id)
            .where(later.task_id == TaskRun.task_id, later.started_at > TaskRun.started_at)
            .exists(),
        )
        .values(state="lost", finished_at=now, error="a later attempt started: its worker died")
        .execution_options(synchronize_session=False)
    ).rowcount
    limits: dict[int, list[str]] = {}
    for name, task_object in (runtime.celery.tasks if runtime.celery else {}).items():
        limit = getattr(task_object, "time_limit", None)
        if limit:
            limits.setdefault(int(limit), []).append(name)
    overdue = 0
    for limit, names in limits.items():
        overdue += session.execute(
            update(TaskRun)
            .where(
                TaskRun.state == "started",
                TaskRun.name.in_(names),
                TaskRun.started_at < now - timedelta(seconds=limit) - LOST_GRACE,
            )
            .values(state="lost", finished_at=now, error=f"ran past its time limit ({limit} s)")
            .execution_options(synchronize_session=False)
        ).rowcount
    return {"superseded": superseded, "overdue": overdue}


@task("kernel.purge_history", queue="scheduled")
def purge_history(session: Session) -> dict[str, int]:
    """Forget task runs, delivered events and schedule claims past the retention period."""
    runtime = _runtime(session)
    cutoff = utcnow() - timedelta(days=runtime.settings.task_run_retention_days)
    runs = session.execute(delete(TaskRun).where(TaskRun.started_at < cutoff)).rowcount
    deliveries = session.execute(
        delete(EventDelivery).where(EventDelivery.delivered_at < cutoff)
    ).rowcount
    events = session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.delivered_at.is_not(None), OutboxEvent.delivered_at < cutoff
        )
    ).rowcount
    claims = session.execute(delete(ScheduleClaim).where(ScheduleClaim.slot < cutoff)).rowcount
    return {"task_runs": runs, "event_deliveries": deliveries, "events": events, "claims": claims}
