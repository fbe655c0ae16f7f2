"""The operators' notifications from monitoring's events, through the outbox and a real
worker: a failed task run opens one for every operator (each with their own read state),
acknowledging it in monitoring closes it, and an operator who does not want a kind in the
console does not see it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from orion.kernel.data.db import utcnow
from orion.kernel.runtime.tasks import ended_run, record_run
from orion.modules.messaging.models import OperatorNotification
from orion.modules.monitoring import services as monitoring
from tests.console.conftest import Browser
from tests.modules.email.conftest import wait_until

pytestmark = pytest.mark.usefixtures("worker")

ADMIN_API = "/api/v1/admin/messaging"
MONITORING = "/api/v1/admin/monitoring"


def fail_a_task(runtime) -> str:  # type: ignore[no-untyped-def]
    """A failed run of a task of its own, and a snapshot that notices it; the task name."""
    name = f"monitoring.probe_{uuid.uuid4().hex[:6]}"
    run = {
        "id": uuid.uuid4(),
        "task_id": str(uuid.uuid4()),
        "name": name,
        "queue": "scheduled",
        "module": "monitoring",
        "tenant_id": None,
        "state": "started",
        "attempt": 1,
        "started_at": utcnow(),
        "arguments": None,
    }
    with runtime.database.unit_of_work() as session:
        record_run(session, ended_run(run, "failed", "RuntimeError: the probe broke", 0.1))
    with runtime.database.unit_of_work() as session:
        monitoring.capture(session)
    return name


def delivered(runtime, title: str) -> OperatorNotification | None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        return session.scalar(
            select(OperatorNotification).where(OperatorNotification.title == title)
        )


def mine(client, headers, title: str) -> list[dict]:  # type: ignore[no-untyped-def]
    listing = client.get(f"{ADMIN_API}/notifications?limit=200", headers=headers).json()
    return [row for row in listing["data"] if row["title"] == title]


def test_a_failed_task_tells_every_operator_who_each_read_it_on_their_own(
    runtime, client, make_user, login
):
    first, second = (login(u.email, p) for u, p in (make_user(superadmin=True) for _ in "ab"))
    before = client.get(f"{ADMIN_API}/unread", headers=first).json()["notifications"]

    name = fail_a_task(runtime)
    title = f"Task {name} failed"
    assert wait_until(lambda: delivered(runtime, title), timeout=30)

    (shown,) = mine(client, first, title)
    assert shown["kind"] == "task_failed" and shown["severity"] == "error"
    assert "the probe broke" in shown["body"]
    assert shown["link"] == "/console/platform/monitoring/notifications"
    assert shown["read"] is False
    assert client.get(f"{ADMIN_API}/unread", headers=first).json()["notifications"] == before + 1

    marked = client.post(f"{ADMIN_API}/notifications/read?id={shown['id']}", headers=first)
    assert marked.json()["notifications"] == before
    assert mine(client, first, title)[0]["read"] is True
    assert mine(client, second, title)[0]["read"] is False  # the other operator's own state


def test_acknowledging_in_monitoring_closes_it_for_every_operator(
    runtime, client, operator_headers
):
    name = fail_a_task(runtime)
    title = f"Task {name} failed"
    assert wait_until(lambda: delivered(runtime, title), timeout=30)
    (shown,) = mine(client, operator_headers, title)

    response = client.post(
        f"{MONITORING}/notifications/{shown['source_id']}/ack", headers=operator_headers
    )
    assert response.status_code == 200

    def closed():  # type: ignore[no-untyped-def]
        row = delivered(runtime, title)
        return row is not None and row.closed_at is not None

    assert wait_until(closed, timeout=30)
    (after,) = mine(client, operator_headers, title)
    assert after["closed_at"] and after["read"] is True
    unread = client.get(
        f"{ADMIN_API}/notifications?unread_only=true&limit=200", headers=operator_headers
    )
    assert title not in {row["title"] for row in unread.json()["data"]}


def test_an_operator_who_does_not_want_a_kind_in_the_console_does_not_see_it(
    runtime, client, operator_headers
):
    choices = client.get(f"{ADMIN_API}/preferences", headers=operator_headers).json()
    assert {p["kind"] for p in choices["preferences"]} == {
        "task_failed",
        "threshold",
        "outbox_stalled",
        "webhook_failed",
    }
    saved = client.put(
        f"{ADMIN_API}/preferences",
        json={"preferences": [{"kind": "task_failed", "in_app": False}]},
        headers=operator_headers,
    )
    assert saved.status_code == 200
    kept = {p["kind"]: p["in_app"] for p in saved.json()["preferences"]}
    assert kept == {**kept, "task_failed": False, "threshold": True}

    name = fail_a_task(runtime)
    title = f"Task {name} failed"
    assert wait_until(lambda: delivered(runtime, title), timeout=30)
    assert mine(client, operator_headers, title) == []

    refused = client.put(
        f"{ADMIN_API}/preferences",
        json={"preferences": [{"kind": "nonsense", "in_app": False}]},
        headers=operator_headers,
    )
    assert refused.status_code == 422


@pytest.fixture
def operator_browser(app, make_user) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_user(superadmin=True)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser


def test_the_operators_see_them_on_their_page_and_badge(runtime, operator_browser):
    name = fail_a_task(runtime)
    title = f"Task {name} failed"
    assert wait_until(lambda: delivered(runtime, title), timeout=30)

    badge = operator_browser.get("/console/platform/messaging/badge").text
    assert title in badge
    page = operator_browser.get("/console/platform/messaging/notifications")
    assert page.status_code == 200 and title in page.text
    assert (
        operator_browser.post("/console/platform/messaging/notifications/read").status_code == 303
    )
    assert title not in operator_browser.get("/console/platform/messaging/badge").text

    preferences = operator_browser.get("/console/platform/messaging/preferences")
    assert 'name="task_failed.in_app"' in preferences.text
    saved = operator_browser.post(
        "/console/platform/messaging/preferences", {"threshold.in_app": "on"}
    )
    assert saved.status_code == 303
    after = operator_browser.get("/console/platform/messaging/preferences").text
    assert 'name="task_failed.in_app" aria-label="Failed background tasks in the console" >' in (
        after
    )
