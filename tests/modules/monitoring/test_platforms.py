"""Thresholds per platform, webhook failures and the purge of old snapshots.

A platform's own value for a threshold judges its tenants' task runs and outbox events
apart from the rest of the deployment; queues and the database are shared, so their
thresholds are deployment-wide only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from orion.kernel.data.db import Base, utcnow
from orion.kernel.runtime.models import OutboxEvent
from orion.modules.monitoring import definition, services
from orion.modules.monitoring.models import CapacitySnapshot, Notification
from tests.modules.monitoring.conftest import API, PAGES, capture


def _open(client, headers, key: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(f"{API}/notifications?state=open&limit=200", headers=headers)
    assert response.status_code == 200
    return [row for row in response.json()["data"] if row["key"] == key]


@pytest.fixture
def platform(make_platform, client, operator_headers):  # type: ignore[no-untyped-def]
    """A platform of its own; its threshold overrides are removed after the test."""
    row = make_platform(name="Probe platform")
    yield row
    for metric in ("failure_rate_percent", "outbox_stalled_minutes"):
        client.delete(f"{API}/platforms/{row.id}/thresholds/{metric}", headers=operator_headers)


def test_a_platform_overrides_a_threshold_and_goes_back_to_the_deployment_value(
    client, operator_headers, platform
):
    url = f"{API}/platforms/{platform.id}/thresholds"
    inherited = {t["metric"]: t for t in client.get(url, headers=operator_headers).json()}
    assert set(inherited) == {"failure_rate_percent", "outbox_stalled_minutes"}
    assert inherited["failure_rate_percent"]["overridden"] is False

    response = client.put(
        f"{url}/failure_rate_percent", json={"value": 3}, headers=operator_headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        **response.json(),
        "value": 3,
        "overridden": True,
        "platform_id": str(platform.id),
        "default": inherited["failure_rate_percent"]["value"],
    }
    everyone = client.get(f"{API}/platforms/thresholds", headers=operator_headers).json()
    (mine,) = [p for p in everyone if p["platform_id"] == str(platform.id)]
    assert {t["metric"]: t["value"] for t in mine["thresholds"]}["failure_rate_percent"] == 3
    # The deployment-wide value is untouched.
    deployment = client.get(f"{API}/thresholds", headers=operator_headers).json()
    assert {t["metric"]: t["overridden"] for t in deployment}["failure_rate_percent"] is False

    reset = client.delete(f"{url}/failure_rate_percent", headers=operator_headers)
    assert reset.json()["overridden"] is False
    assert reset.json()["value"] == inherited["failure_rate_percent"]["value"]


def test_queue_depth_and_database_size_cannot_be_set_per_platform(
    client, operator_headers, platform
):
    for metric in ("queue_depth", "database_mb"):
        response = client.put(
            f"{API}/platforms/{platform.id}/thresholds/{metric}",
            json={"value": 5},
            headers=operator_headers,
        )
        assert response.status_code == 422
        problem = response.json()
        assert problem["code"] == "threshold_refused"
        assert [e["field"] for e in problem["errors"]] == ["metric"]
    unknown = client.put(
        f"{API}/platforms/{uuid.uuid4()}/thresholds/failure_rate_percent",
        json={"value": 5},
        headers=operator_headers,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "platform_not_found"


def test_a_platform_with_its_own_failure_rate_is_judged_on_its_tenants_runs(
    runtime, client, operator_headers, platform, make_tenant, record_failed_run, thresholds
):
    tenant = make_tenant(platform_id=platform.id)
    thresholds["failure_rate_percent"] = 100  # the rest of the deployment never crosses it
    client.put(
        f"{API}/platforms/{platform.id}/thresholds/failure_rate_percent",
        json={"value": 0},
        headers=operator_headers,
    )
    for _ in range(10):  # the minimum of finished runs before a rate counts
        record_failed_run("monitoring.probe_platform_rate", tenant_id=tenant.tenant_id)
    snapshot = capture(runtime)
    figures = snapshot.by_platform[str(platform.id)]
    assert figures["tenants"] == 1
    assert (figures["runs_finished"], figures["runs_failed"]) == (10, 10)
    assert figures["failure_rate_bp"] == 10_000

    (notification,) = _open(
        client, operator_headers, f"threshold:failure_rate_percent:{platform.id}"
    )
    assert notification["platform_id"] == str(platform.id)
    assert "Probe platform" in notification["title"] and "above 0 %" in notification["title"]
    filtered = client.get(
        f"{API}/notifications?platform_id={platform.id}", headers=operator_headers
    ).json()
    assert [row["id"] for row in filtered["data"]] == [notification["id"]]


def test_a_platform_with_its_own_outbox_delay_is_judged_on_its_tenants_events(
    runtime, client, operator_headers, platform, make_tenant
):
    tenant = make_tenant(platform_id=platform.id)
    event_id = uuid.uuid4()
    with runtime.database.unit_of_work() as session:
        session.add(
            OutboxEvent(
                id=event_id,
                name="monitoring.probe",
                payload={},
                tenant_id=tenant.tenant_id,
                created_at=utcnow() - timedelta(minutes=30),
            )
        )
    url = f"{API}/platforms/{platform.id}/thresholds/outbox_stalled_minutes"
    key = f"outbox_stalled:{platform.id}"
    try:
        client.put(url, json={"value": 60}, headers=operator_headers)
        snapshot = capture(runtime)
        figures = snapshot.by_platform[str(platform.id)]
        assert figures["outbox_stalled"] == 1 and figures["outbox_oldest_at"] is not None
        assert _open(client, operator_headers, key) == []  # 30 minutes is within its hour

        client.put(url, json={"value": 10}, headers=operator_headers)
        capture(runtime)
        (notification,) = _open(client, operator_headers, key)
        assert notification["kind"] == "outbox_stalled"
        assert notification["platform_id"] == str(platform.id)
        assert "more than 10" in notification["title"]
    finally:
        with runtime.database.unit_of_work() as session:
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id == event_id).values(delivered_at=utcnow())
            )


def test_a_failed_webhook_opens_a_notification(runtime, client, operator_headers):
    table = Base.metadata.tables["billing_stripe_event"]
    row_id = uuid.uuid4()
    with runtime.database.unit_of_work() as session:
        session.execute(
            insert(table).values(
                id=row_id,
                stripe_event_id=f"evt_probe_{row_id.hex[:10]}",
                type="invoice.paid",
                created=0,
                livemode=False,
                payload={},
                state="failed",
                attempts=1,
                error="KeyError: 'customer'",
                received_at=utcnow(),
            )
        )
    try:
        snapshot = capture(runtime)
        assert snapshot.webhooks_failed >= 1
        (notification,) = _open(client, operator_headers, "webhook_failed:billing")
        assert notification["kind"] == "webhook_failed" and notification["severity"] == "error"
        assert "KeyError" in notification["detail"]
        client.post(f"{API}/notifications/{notification['id']}/ack", headers=operator_headers)
    finally:
        with runtime.database.unit_of_work() as session:
            session.execute(delete(table).where(table.c.id == row_id))


def test_old_snapshots_and_acknowledged_notifications_are_purged_after_their_retention(
    runtime, monkeypatch
):
    monkeypatch.setitem(
        runtime.settings.modules,
        "monitoring",
        {
            "snapshot_retention_days": 30,
            "acknowledged_retention_days": 60,
            "ping_timeout_seconds": 0,
        },
    )
    recent = capture(runtime)
    old_id, kept_open_id, old_ack_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    long_ago = utcnow() - timedelta(days=61)
    with runtime.database.unit_of_work() as session:
        session.add(CapacitySnapshot(id=old_id, taken_at=long_ago, broker="embedded"))
        common = {"kind": "threshold", "title": "probe", "first_seen_at": long_ago}
        session.add(Notification(id=kept_open_id, key=f"probe:{kept_open_id}", **common))
        session.add(
            Notification(
                id=old_ack_id,
                key=f"probe:{old_ack_id}",
                state="acknowledged",
                acknowledged_at=long_ago,
                **common,
            )
        )
    with runtime.database.unit_of_work() as session:
        purged = services.purge(session)
    assert purged["snapshots"] >= 1 and purged["notifications"] >= 1
    with runtime.database.unit_of_work() as session:
        snapshots = set(session.scalars(select(CapacitySnapshot.id)))
        notifications = set(session.scalars(select(Notification.id)))
        assert recent.id in snapshots and old_id not in snapshots
        assert kept_open_id in notifications and old_ack_id not in notifications
        again = services.purge(session)
    assert again == {"snapshots": 0, "notifications": 0}


def test_the_purge_runs_daily_on_queue_scheduled(runtime):
    (entry,) = [
        e for e in definition.scheduled_tasks if e.task_name == "monitoring.purge_snapshots"
    ]
    assert entry.queue == "scheduled" and entry.cron == "40 3 * * *"
    assert "monitoring.purge_snapshots" in runtime.celery.conf.beat_schedule


def test_operators_set_a_platform_threshold_on_the_overview_page(console, platform):
    page = console.get(f"{PAGES}/")
    assert page.status_code == 200 and "Probe platform" in page.text
    action = f"{PAGES}/platforms/{platform.id}/thresholds/failure_rate_percent"
    bad = console.post(action, {"value": "-3"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    saved = console.post(action, {"value": "7"})
    assert saved.status_code == 303
    shown = console.get(f"{PAGES}/")
    assert f'id="platform-threshold-{platform.code}-failure_rate_percent"' in shown.text
    assert 'value="7"' in shown.text
    reset = console.post(f"{action}/reset")
    assert reset.status_code == 303
    refused = console.post(
        f"{PAGES}/platforms/{platform.id}/thresholds/queue_depth", {"value": "1"}
    )
    assert refused.status_code == 422 and "shared by every platform" in refused.text
