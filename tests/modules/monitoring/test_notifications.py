"""Admin notifications: a failed task run opens one, a repeat adds to it while it is open,
an operator acknowledges it (who, when) and the next failure opens a new one; thresholds
crossed and an outbox that stopped draining open theirs."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.runtime.models import OutboxEvent
from orion.modules.monitoring import services
from tests.modules.monitoring.conftest import API, capture


def _open(client, headers, key: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(f"{API}/notifications?state=open&limit=200", headers=headers)
    assert response.status_code == 200
    return [row for row in response.json()["data"] if row["key"] == key]


def test_a_failed_task_run_opens_a_notification_that_an_operator_acknowledges(
    runtime, client, operator_headers, record_failed_run
):
    name = f"monitoring.probe_{uuid.uuid4().hex[:6]}"
    run_id = record_failed_run(name, error="ValueError: the probe failed")
    capture(runtime)
    (notification,) = _open(client, operator_headers, f"task_failed:{name}")
    assert notification["kind"] == "task_failed" and notification["severity"] == "error"
    assert "ValueError: the probe failed" in notification["detail"]
    assert str(run_id) in notification["detail"]

    response = client.post(
        f"{API}/notifications/{notification['id']}/ack", headers=operator_headers
    )
    assert response.status_code == 200
    acknowledged = response.json()
    assert acknowledged["state"] == "acknowledged"
    assert acknowledged["acknowledged_by"] is not None and acknowledged["acknowledged_at"]
    assert _open(client, operator_headers, f"task_failed:{name}") == []
    again = client.post(f"{API}/notifications/{notification['id']}/ack", headers=operator_headers)
    assert again.json()["acknowledged_at"] == acknowledged["acknowledged_at"]


def test_a_repeated_failure_adds_to_the_open_notification_until_it_is_acknowledged(
    runtime, client, operator_headers, record_failed_run
):
    name = f"monitoring.probe_{uuid.uuid4().hex[:6]}"
    record_failed_run(name)
    capture(runtime)
    record_failed_run(name, state="lost", error="a later attempt started: its worker died")
    record_failed_run(name)
    capture(runtime)
    (notification,) = _open(client, operator_headers, f"task_failed:{name}")
    assert notification["occurrences"] == 3
    client.post(f"{API}/notifications/{notification['id']}/ack", headers=operator_headers)

    record_failed_run(name)
    capture(runtime)
    (reopened,) = _open(client, operator_headers, f"task_failed:{name}")
    assert reopened["id"] != notification["id"] and reopened["occurrences"] == 1
    listed = client.get(
        f"{API}/notifications?state=acknowledged&kind=task_failed&limit=200",
        headers=operator_headers,
    ).json()["data"]
    assert notification["id"] in {row["id"] for row in listed}


def test_a_run_that_failed_before_the_previous_snapshot_is_not_notified_twice(
    runtime, client, operator_headers, record_failed_run
):
    name = f"monitoring.probe_{uuid.uuid4().hex[:6]}"
    record_failed_run(name)
    capture(runtime)
    capture(runtime)
    (notification,) = _open(client, operator_headers, f"task_failed:{name}")
    assert notification["occurrences"] == 1


def test_a_database_above_its_threshold_opens_a_notification(
    runtime, client, operator_headers, thresholds
):
    key = "threshold:database_mb"
    for row in _open(client, operator_headers, key):
        client.post(f"{API}/notifications/{row['id']}/ack", headers=operator_headers)
    capture(runtime)
    assert _open(client, operator_headers, key) == []  # 10 GB by default
    thresholds["database_mb"] = 0
    listed = client.get(f"{API}/thresholds", headers=operator_headers).json()
    (shown,) = [t for t in listed if t["metric"] == "database_mb"]
    assert shown == {**shown, "value": 0, "default": 10_240, "overridden": True}
    capture(runtime)
    (notification,) = _open(client, operator_headers, key)
    assert "above 0 MB" in notification["title"]


def test_a_failure_rate_above_its_threshold_opens_a_notification(
    runtime, client, operator_headers, thresholds, record_failed_run
):
    key = "threshold:failure_rate_percent"
    for row in _open(client, operator_headers, key):
        client.post(f"{API}/notifications/{row['id']}/ack", headers=operator_headers)
    thresholds["failure_rate_percent"] = 0
    for _ in range(10):  # the default minimum of finished runs before a rate counts
        record_failed_run("monitoring.probe_rate")
    snapshot = capture(runtime)
    assert snapshot.runs_failed >= 10 and snapshot.failure_rate_bp > 0
    assert snapshot.runs_by_task["monitoring.probe_rate"]["failed"] >= 10
    (notification,) = _open(client, operator_headers, key)
    assert "above 0 %" in notification["title"]


def test_an_outbox_that_stopped_draining_opens_a_notification(runtime, client, operator_headers):
    event_id = uuid.uuid4()
    old = utcnow() - timedelta(hours=1)
    with runtime.database.unit_of_work() as session:
        session.add(OutboxEvent(id=event_id, name="monitoring.probe", payload={}, created_at=old))
    try:
        snapshot = capture(runtime)
        assert snapshot.outbox_stalled >= 1 and snapshot.outbox_pending >= 1
        (notification,) = _open(client, operator_headers, "outbox_stalled")
        assert notification["kind"] == "outbox_stalled" and "15 minutes" in notification["title"]
    finally:
        with runtime.database.unit_of_work() as session:
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id == event_id).values(delivered_at=utcnow())
            )


def test_an_unknown_notification_or_threshold_is_a_4xx(client, operator_headers):
    response = client.post(f"{API}/notifications/{uuid.uuid4()}/ack", headers=operator_headers)
    assert response.status_code == 404
    assert response.json()["code"] == "notification_not_found"
    response = client.put(f"{API}/thresholds/nonsense", json={"value": 1}, headers=operator_headers)
    assert response.status_code == 422
    response = client.put(
        f"{API}/thresholds/queue_depth", json={"value": -1}, headers=operator_headers
    )
    assert response.status_code == 422 and "value" in response.text


@pytest.mark.postgres
def test_concurrent_captures_open_one_notification_for_one_cause(runtime):
    if runtime.database.dialect != "postgresql":
        pytest.skip("SQLite transactions are serial")
    key = f"threshold:probe:{uuid.uuid4().hex[:6]}"
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def raise_one() -> None:
        try:
            with runtime.database.unit_of_work() as session:
                barrier.wait(timeout=10)
                services.raise_notification(session, kind="threshold", key=key, title="probe")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=raise_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with runtime.database.unit_of_work() as session:
        listing = services.notifications_listing(session, page=Page(limit=200), state="open")
        rows = [row for row in listing.data if row.key == key]
    assert len(rows) == 1 and rows[0].occurrences == 4
