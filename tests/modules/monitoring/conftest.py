"""Fixtures of the monitoring tests: operators signed in through the API and the console,
task runs recorded the way the kernel records them, and thresholds put back after a test.

The deployment's database is shared by the session, so figures are compared before and
after a test's own data (a delta), never as absolute numbers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from orion.kernel.data.db import utcnow
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.tasks import ended_run, record_run

API = "/api/v1/admin/monitoring"
PAGES = "/console/platform/monitoring"
CAPTURE = "monitoring.capture_capacity_snapshot"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def capture(runtime: Runtime):  # type: ignore[no-untyped-def]
    """Take a snapshot through the service, committed; the snapshot (detached)."""
    from orion.modules.monitoring import services

    with runtime.database.unit_of_work() as session:
        return services.capture(session)


@pytest.fixture
def record_failed_run(runtime: Runtime):  # type: ignore[no-untyped-def]
    """`record_failed_run(name, error=..., state="failed", tenant_id=None, arguments=None)`:
    a run row as
    `ModuleTask.execute` writes it after a failed attempt; the row's id."""

    def record(
        name: str,
        error: str = "RuntimeError: boom",
        state: str = "failed",
        tenant_id: uuid.UUID | None = None,
        queue: str = "scheduled",
        arguments: dict | None = None,
    ) -> uuid.UUID:
        run = {
            "id": uuid.uuid4(),
            "task_id": str(uuid.uuid4()),
            "name": name,
            "queue": queue,
            "module": name.partition(".")[0],
            "tenant_id": tenant_id,
            "state": "started",
            "attempt": 1,
            "started_at": utcnow() - timedelta(seconds=1),
            "arguments": arguments,
        }
        with runtime.database.unit_of_work() as session:
            record_run(session, ended_run(run, state, error, 0.5))
        return run["id"]

    return record


@pytest.fixture
def thresholds(client, operator_headers) -> Iterator[dict[str, int]]:  # type: ignore[no-untyped-def]
    """`thresholds[metric] = value` sets an override through the API; all are reset after."""
    set_here: dict[str, int] = {}

    class Setter(dict):  # type: ignore[type-arg]
        def __setitem__(self, metric: str, value: int) -> None:
            response = client.put(
                f"{API}/thresholds/{metric}", json={"value": value}, headers=operator_headers
            )
            assert response.status_code == 200, response.text
            set_here[metric] = value
            super().__setitem__(metric, value)

    yield Setter()
    for metric in set_here:
        client.delete(f"{API}/thresholds/{metric}", headers=operator_headers)


@pytest.fixture
def member_headers(make_tenant, make_member, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    user, password = make_member(tenant, role="tenant_admin")
    return login(user.email, password, tenant_id=tenant.tenant_id)


class ConsoleBrowser:
    """Cookies and the CSRF token of the last page, as a browser keeps them."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs):  # type: ignore[no-untyped-def]
        response = self.client.get(path, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
        return self.client.post(
            path, data={**(data or {}), "csrf_token": self.token}, follow_redirects=False
        )

    def sign_in(self, email: str, password: str) -> None:
        self.get("/console/sign-in")
        response = self.post("/console/sign-in", {"email": email, "password": password})
        assert response.status_code == 303, response.text


@pytest.fixture
def console(app, make_user) -> Iterator[ConsoleBrowser]:  # type: ignore[no-untyped-def]
    """A platform operator signed in to the console."""
    user, password = make_user(superadmin=True)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = ConsoleBrowser(c)
        browser.sign_in(user.email, password)
        yield browser
