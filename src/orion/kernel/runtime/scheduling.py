"""Beat: the schedule assembled from the modules, slots claimed once, per-tenant fan-out.

Every module's `ScheduledTask`s become Beat entries. Before sending an entry, the scheduler
claims its slot (entry name + the minute it fires for) with an insert into
`kernel_schedule_claim`; a second scheduler running the same schedule loses the insert and
sends nothing, so two Beat processes never run a slot twice.

A `per_tenant` entry sends `kernel.fan_out`, which sends the real task once per tenant for
which the task's module is enabled.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import crontab
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.contract.modules import Registry, ScheduledTask
from orion.kernel.data.db import utcnow
from orion.kernel.runtime.models import ScheduleClaim

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime

log = structlog.get_logger(__name__)

FAN_OUT_TASK = "kernel.fan_out"


def cron(expression: str) -> crontab:
    minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


def beat_schedule(registry: Registry, kernel_entries: tuple[ScheduledTask, ...] = ()) -> dict:
    """The Celery `beat_schedule` for every module's scheduled tasks, plus the kernel's."""
    schedule: dict[str, dict[str, Any]] = {}
    entries = [(None, entry) for entry in kernel_entries] + [
        (definition.code, entry)
        for definition in registry.ordered
        for entry in definition.scheduled_tasks
    ]
    for module, entry in entries:
        if entry.per_tenant:
            task, kwargs = (
                FAN_OUT_TASK,
                {
                    "task": entry.task_name,
                    "module": module,
                    "queue": entry.queue,
                    "kwargs": dict(entry.kwargs),
                },
            )
        else:
            task, kwargs = entry.task_name, dict(entry.kwargs)
        schedule[entry.name] = {
            "task": task,
            "schedule": cron(entry.cron),
            "kwargs": kwargs,
            "options": {"queue": entry.queue},
        }
    return schedule


def slot_of(due: datetime) -> datetime:
    """The minute a cron entry was due for, rounded to the nearest minute.

    Two schedulers compute the same due time for the same entry; rounding (not flooring)
    absorbs the milliseconds by which their clocks and ticks differ.
    """
    return (due + timedelta(seconds=30)).replace(second=0, microsecond=0)


def claim_slot(session: Session, entry: str, slot: datetime, claimer: str) -> bool:
    """Insert the claim; False when another scheduler already holds this slot."""
    try:
        with session.begin_nested():
            session.add(ScheduleClaim(entry=entry, slot=slot, claimed_by=claimer))
    except IntegrityError:
        return False
    return True


class ClaimingScheduler(Scheduler):
    """An in-memory Beat scheduler that claims each slot in the database before sending it."""

    claimer = f"{socket.gethostname()}:{os.getpid()}"

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        runtime: Runtime = self.app.orion  # type: ignore[attr-defined]
        slot = slot_of(self.due_time(entry))
        try:
            with runtime.database.unit_of_work() as session:
                claimed = claim_slot(session, entry.name, slot, self.claimer)
        except Exception:
            # Celery's tick loop does not survive an error from here: one slot is lost
            # (loudly), the scheduler goes on to the next.
            log.exception("schedule_slot_claim_failed", entry=entry.name, slot=slot.isoformat())
            return
        if not claimed:
            log.info("schedule_slot_taken", entry=entry.name, slot=slot.isoformat())
            return
        super().apply_entry(entry, producer=producer)

    def due_time(self, entry: ScheduleEntry) -> datetime:
        """When the entry fell due: now, plus what is left (zero or less) until it was."""
        remaining = entry.schedule.remaining_estimate(entry.last_run_at)
        return utcnow() + min(remaining, timedelta(0))
