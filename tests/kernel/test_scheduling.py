"""Beat: each scheduled slot is sent by exactly one scheduler, whatever runs it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from celery.beat import ScheduleEntry
from sqlalchemy import select

from orion.kernel.runtime.models import ScheduleClaim
from orion.kernel.runtime.scheduling import ClaimingScheduler, claim_slot, cron, slot_of
from tests.helpers import platform_session


def test_a_slot_is_claimed_once(runtime):
    entry = f"test.entry.{uuid.uuid4().hex}"
    slot = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    with runtime.database.unit_of_work() as session:
        assert claim_slot(session, entry, slot, "scheduler-a") is True
    with runtime.database.unit_of_work() as session:
        assert claim_slot(session, entry, slot, "scheduler-b") is False
        # The session is still usable after losing the claim.
        assert claim_slot(session, entry, slot + timedelta(minutes=1), "scheduler-b") is True


def test_slots_round_to_the_minute_they_were_due():
    due = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    assert slot_of(due - timedelta(milliseconds=5)) == due
    assert slot_of(due + timedelta(seconds=20)) == due


def test_two_schedulers_send_a_due_entry_once(runtime):
    """Two Beat processes tick the same due entry: one sends it, the other stands down."""
    sent: list[str] = []

    class RecordingScheduler(ClaimingScheduler):
        def apply_async(self, entry, producer=None, advance=True, **kwargs):
            sent.append(self.claimer)

    name = f"widgets.probe.{uuid.uuid4().hex[:8]}"
    last_run = datetime.now(UTC) - timedelta(minutes=2)
    schedulers = []
    for index in range(2):
        scheduler = RecordingScheduler(app=runtime.celery, lazy=True)
        scheduler.claimer = f"scheduler-{index}"
        schedulers.append(scheduler)
    for scheduler in schedulers:
        entry = ScheduleEntry(
            name=name,
            task="widgets.echo",
            schedule=cron("* * * * *"),
            kwargs={"value": "tick"},
            last_run_at=last_run,
            app=runtime.celery,
        )
        scheduler.apply_entry(entry)
    assert len(sent) == 1
    with platform_session(runtime) as session:
        claims = session.scalars(select(ScheduleClaim).where(ScheduleClaim.entry == name)).all()
    assert [c.claimed_by for c in claims] == sent


def test_scheduled_task_sent_by_beat_runs_on_the_worker(runtime, worker):
    """A real scheduler tick sends the entry through the broker to the worker."""
    name = f"core.snapshot_health.{uuid.uuid4().hex[:8]}"
    scheduler = ClaimingScheduler(app=runtime.celery, lazy=True)
    entry = ScheduleEntry(
        name=name,
        task="core.snapshot_health",
        schedule=cron("*/5 * * * *"),
        last_run_at=datetime.now(UTC) - timedelta(minutes=10),
        app=runtime.celery,
        options={"queue": "scheduled"},
    )
    result = scheduler.apply_async(entry, advance=False)
    summary = result.get(timeout=30)
    assert summary["checks"] >= 3


def test_a_scheduler_that_cannot_reach_the_database_skips_the_slot_and_keeps_ticking(tmp_path):
    from orion.kernel.runtime import build_runtime
    from orion.kernel.runtime.worker import create_celery
    from tests.conftest import make_settings

    sent: list[str] = []

    class RecordingScheduler(ClaimingScheduler):
        def apply_async(self, entry, producer=None, advance=True, **kwargs):
            sent.append(entry.name)

    unreachable = make_settings(f"sqlite:///{tmp_path / 'no-such-dir' / 'orion.db'}")
    runtime = build_runtime(unreachable)
    try:
        scheduler = RecordingScheduler(app=create_celery(runtime=runtime), lazy=True)
        entry = ScheduleEntry(
            name="widgets.probe",
            task="widgets.echo",
            schedule=cron("* * * * *"),
            last_run_at=datetime.now(UTC) - timedelta(minutes=2),
            app=scheduler.app,
        )

        scheduler.apply_entry(entry)  # does not raise into Celery's tick loop

        assert sent == []
    finally:
        runtime.close()
