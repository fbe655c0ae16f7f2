"""Events: in-transaction handlers, the durable outbox, at-least-once and once-only delivery."""

from __future__ import annotations

from datetime import timedelta

from orion_testkit.widgets import service
from orion_testkit.widgets.models import WidgetAudit
from sqlalchemy import func, select

from orion.kernel.data.tenancy import set_tenant
from orion.kernel.runtime.events import DELIVER_TASK
from orion.kernel.runtime.models import EventDelivery, OutboxEvent
from tests.helpers import platform_session, wait_for


def _create_widget(runtime, tenant, name):
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return service.create_widget(session, name=name)


def _outbox(runtime, event_id):
    with platform_session(runtime) as session:
        return session.get(OutboxEvent, event_id)


def _audits(runtime, widget_name):
    with platform_session(runtime) as session:
        return session.scalars(
            select(WidgetAudit).where(WidgetAudit.widget_name == widget_name)
        ).all()


def test_transaction_handler_runs_inside_the_publishing_transaction(runtime, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    widget = _create_widget(runtime, tenant, "first")
    assert widget.total_at_creation == 1  # the handler counted the widget it was told about


def test_event_is_stored_in_the_outbox_with_the_publishers_tenant(runtime, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    widget = _create_widget(runtime, tenant, "stored")
    with platform_session(runtime) as session:
        stored = session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "widgets.widget_created")
        ).all()
        mine = [e for e in stored if e.payload["widget_id"] == str(widget.id)]
    assert len(mine) == 1
    assert mine[0].tenant_id == tenant.tenant_id
    assert mine[0].payload["widget_name"] == "stored"


def test_nothing_is_published_when_the_transaction_rolls_back(runtime, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    try:
        with runtime.database.unit_of_work() as session:
            set_tenant(session, tenant)
            service.create_widget(session, name="rolled-back")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with platform_session(runtime) as session:
        count = session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.payload["widget_name"].as_string() == "rolled-back")
        )
    assert count == 0


def test_after_commit_handler_runs_once_through_the_worker(runtime, worker, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    _create_widget(runtime, tenant, "delivered")
    assert wait_for(lambda: len(_audits(runtime, "delivered")) == 1)
    audit = _audits(runtime, "delivered")[0]
    assert audit.tenant_id == tenant.tenant_id
    # A session per look: on SQLite an open transaction would hold the write lock the
    # deliverer needs to mark the event delivered.
    assert _outbox(runtime, audit.event_id) is not None
    assert wait_for(lambda: _outbox(runtime, audit.event_id).delivered_at is not None)


def test_redelivery_does_not_run_a_handler_twice(runtime, worker, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    _create_widget(runtime, tenant, "twice")
    assert wait_for(lambda: len(_audits(runtime, "twice")) == 1)
    event_id = _audits(runtime, "twice")[0].event_id
    # A duplicate delivery task (broker redelivery, a sweep racing the first task):
    result = runtime.celery.send_task(DELIVER_TASK, kwargs={"event_ids": [str(event_id)]})
    assert result.get(timeout=30) == {"delivered": 0, "failed": 0, "skipped": 1}
    # Even with the outbox row reset to pending, the handler's delivery record stops it.
    with runtime.database.unit_of_work() as session:
        session.get(OutboxEvent, event_id).delivered_at = None
    counts = runtime.events.deliver([event_id])
    assert counts == {"delivered": 1, "failed": 0, "skipped": 0}
    assert len(_audits(runtime, "twice")) == 1
    with platform_session(runtime) as session:
        deliveries = session.scalar(
            select(func.count())
            .select_from(EventDelivery)
            .where(EventDelivery.event_id == event_id)
        )
    assert deliveries == 1


def test_event_whose_delivery_task_was_lost_is_delivered_by_the_sweep(
    runtime, worker, make_tenant, enable
):
    """The process dies after commit, before the delivery task is sent: the outbox row
    survives and the scheduled sweep delivers it."""
    tenant = make_tenant()
    enable("widgets")
    celery = runtime.celery
    runtime.celery = None  # sending the delivery task fails, as in a process that died
    try:
        _create_widget(runtime, tenant, "orphan")
    finally:
        runtime.celery = celery
    assert _audits(runtime, "orphan") == []
    # The sweep leaves events younger than outbox_redelivery_seconds to their own task.
    with runtime.database.unit_of_work() as session:
        for event in session.scalars(select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))):
            if event.payload.get("widget_name") == "orphan":
                event.created_at -= timedelta(minutes=5)
    counts = runtime.celery.send_task("kernel.sweep_outbox").get(timeout=30)
    assert counts["delivered"] >= 1
    assert len(_audits(runtime, "orphan")) == 1


def test_a_module_disabled_for_the_tenant_does_not_hear_its_events(runtime, make_tenant):
    tenant = make_tenant()  # widgets stays off for this tenant's platform
    widget = _create_widget(runtime, tenant, "unheard")
    assert widget.total_at_creation == 0  # the in-transaction handler did not run
    with platform_session(runtime) as session:
        stored = session.scalars(select(OutboxEvent)).all()
    event = next(e for e in stored if e.payload.get("widget_name") == "unheard")
    assert runtime.events.deliver([event.id])["delivered"] == 1
    assert _audits(runtime, "unheard") == []


def test_an_event_of_a_tenant_deleted_before_delivery_is_delivered_to_nobody(
    runtime, make_tenant, enable
):
    from orion_testkit.testdir.models import DirectoryTenant

    tenant = make_tenant()
    enable("widgets")
    celery = runtime.celery
    runtime.celery = None  # no delivery task: the event waits in the outbox
    try:
        _create_widget(runtime, tenant, "left-behind")
    finally:
        runtime.celery = celery
    with runtime.database.unit_of_work() as session:
        session.delete(session.get(DirectoryTenant, tenant.tenant_id))
    with platform_session(runtime) as session:
        stored = session.scalars(select(OutboxEvent)).all()
    event = next(e for e in stored if e.payload.get("widget_name") == "left-behind")

    assert runtime.events.deliver([event.id]) == {"delivered": 1, "failed": 0, "skipped": 0}
    assert _audits(runtime, "left-behind") == []
    assert _outbox(runtime, event.id).last_error is None


def test_failed_delivery_backs_off_and_gives_up_after_max_attempts(runtime, make_tenant, enable):
    from orion.kernel.runtime.events import MAX_ATTEMPTS

    tenant = make_tenant()
    enable("widgets")
    with runtime.database.unit_of_work() as session:
        event = OutboxEvent(name="widgets.no_such_event", payload={}, tenant_id=tenant.tenant_id)
        session.add(event)
    assert runtime.events.deliver([event.id])["failed"] == 1
    with platform_session(runtime) as session:
        stored = session.get(OutboxEvent, event.id)
        assert stored.attempts == 1
        assert "no Event class" in stored.last_error
        assert stored.next_attempt_at > stored.created_at + timedelta(seconds=29)
    assert event.id not in runtime.events.pending(older_than_seconds=0)
    with runtime.database.unit_of_work() as session:
        stored = session.get(OutboxEvent, event.id)
        stored.next_attempt_at = stored.created_at
        stored.attempts = MAX_ATTEMPTS
    assert event.id not in runtime.events.pending(older_than_seconds=0)
