"""A disabled module is off for a tenant everywhere: routes, menu and background tasks."""

from __future__ import annotations

import time
import uuid

import pytest
from orion_testkit.widgets.models import Widget, WidgetCount
from sqlalchemy import select

from orion.kernel.data.tenancy import TenantContext, all_tenants, set_tenant
from orion.kernel.runtime.models import TaskRun
from tests.helpers import OPERATOR, platform_session, tenant_headers

PROBLEM_JSON = "application/problem+json"
WIDGETS = "/api/v1/widgets/widgets"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    return problem


# -- routes --------------------------------------------------------------------------------


def test_a_disabled_modules_routes_answer_403_module_not_enabled(client, make_tenant):
    tenant = make_tenant()

    for response in (
        client.get(WIDGETS, headers=tenant_headers(tenant)),
        client.post(WIDGETS, json={"name": "gear"}, headers=tenant_headers(tenant)),
    ):
        problem = assert_problem(response, 403, "module_not_enabled")
        assert problem["detail"] == "module widgets is not enabled for this tenant"
        assert problem["module"] == "widgets"


def test_an_enabled_modules_routes_answer(client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")

    created = client.post(WIDGETS, json={"name": "gear"}, headers=tenant_headers(tenant))
    assert created.status_code == 201, created.text
    listed = client.get(WIDGETS, headers=tenant_headers(tenant))
    assert listed.status_code == 200
    assert [w["name"] for w in listed.json()["data"]] == ["gear"]


def test_routes_follow_the_tenant_override(client, make_tenant, enable):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets")
    enable("widgets", tenant_id=globex.tenant_id, on=False)

    assert client.get(WIDGETS, headers=tenant_headers(acme)).status_code == 200
    assert_problem(client.get(WIDGETS, headers=tenant_headers(globex)), 403, "module_not_enabled")


def test_switching_a_module_off_closes_its_routes(client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    assert client.get(WIDGETS, headers=tenant_headers(tenant)).status_code == 200

    enable("widgets", on=False)

    assert_problem(client.get(WIDGETS, headers=tenant_headers(tenant)), 403, "module_not_enabled")


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Test-Tenant": str(uuid.uuid4())}],  # nobody; a tenant that does not exist
    ids=["anonymous", "unknown-tenant"],
)
def test_tenant_routes_need_a_signed_in_caller(client, enable, headers):
    enable("widgets")

    response = client.get(WIDGETS, headers=headers)

    assert_problem(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_tenant_routes_refuse_a_caller_without_a_tenant(client, enable):
    enable("widgets")

    assert_problem(client.get(WIDGETS, headers=OPERATOR), 403, "permission_denied")


def test_admin_routes_refuse_a_tenant_user(client, make_tenant, platform_id):
    tenant = make_tenant()
    headers = tenant_headers(tenant, "core.modules.manage")

    assert_problem(
        client.get("/api/v1/admin/core/modules", headers=headers), 403, "permission_denied"
    )
    response = client.post(
        "/api/v1/admin/core/modules/widgets/enable",
        params={"platform_id": str(platform_id)},
        json={},
        headers=headers,
    )
    assert_problem(response, 403, "permission_denied")


def test_admin_routes_refuse_an_anonymous_caller(client):
    assert_problem(client.get("/api/v1/admin/core/modules"), 401, "not_authenticated")


# -- menu ----------------------------------------------------------------------------------


def menu_labels(client, tenant: TenantContext, *permissions: str) -> list[str]:
    response = client.get("/api/v1/core/menu", headers=tenant_headers(tenant, *permissions))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["data"])
    assert {item["section"] for item in body["data"]} <= {"tenant"}
    return [item["label"] for item in body["data"]]


def test_the_menu_shows_a_module_only_when_it_is_enabled(client, make_tenant, enable):
    tenant = make_tenant()
    assert menu_labels(client, tenant, "core.view", "widgets.read") == ["Dashboard"]

    enable("widgets")

    assert menu_labels(client, tenant, "core.view", "widgets.read") == ["Dashboard", "Widgets"]


def test_the_menu_shows_an_item_only_with_its_permission(client, make_tenant, enable):
    tenant = make_tenant()
    enable("gadgets")

    assert menu_labels(client, tenant, "core.view") == ["Dashboard", "Gadgets"]
    assert menu_labels(client, tenant, "widgets.read") == ["Widgets", "Gadgets"]
    assert menu_labels(client, tenant) == ["Gadgets"]  # Gadgets asks for no permission


def test_the_menu_follows_the_tenant_override(client, make_tenant, enable):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets", tenant_id=acme.tenant_id)

    assert "Widgets" in menu_labels(client, acme, "widgets.read")
    assert "Widgets" not in menu_labels(client, globex, "widgets.read")


# -- tasks ---------------------------------------------------------------------------------


def add_widgets(runtime, tenant: TenantContext, *names: str) -> None:
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        session.add_all(Widget(name=name) for name in names)


def task_run(runtime, task_id: str) -> TaskRun:
    """The task's last attempt (on SQLite a busy database can cost an attempt)."""
    with platform_session(runtime) as session:
        run = session.scalars(
            select(TaskRun).where(TaskRun.task_id == task_id).order_by(TaskRun.attempt.desc())
        ).first()
        assert run is not None
        return run


def test_a_task_skips_a_tenant_whose_module_is_disabled(runtime, worker, make_tenant):
    tenant = make_tenant()
    add_widgets(runtime, tenant, "gear")

    result = runtime.celery.send_task("widgets.count", kwargs={"tenant_id": str(tenant.tenant_id)})

    assert result.get(timeout=30) is None
    run = task_run(runtime, result.id)
    assert (run.state, run.tenant_id, run.module) == ("skipped", tenant.tenant_id, "widgets")
    assert counts_of(runtime, [tenant]) == {}


def test_a_task_runs_for_a_tenant_whose_module_is_enabled(runtime, worker, make_tenant, enable):
    tenant, other = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets")
    add_widgets(runtime, tenant, "gear", "cog")
    add_widgets(runtime, other, "sprocket")

    result = runtime.celery.send_task("widgets.count", kwargs={"tenant_id": str(tenant.tenant_id)})

    assert result.get(timeout=30) == 2  # the task acts for its tenant: its own widgets only
    run = task_run(runtime, result.id)
    assert (run.state, run.tenant_id, run.queue) == ("succeeded", tenant.tenant_id, "default")
    assert run.finished_at is not None
    assert counts_of(runtime, [tenant]) == {tenant.tenant_id: [2]}


def counts_of(runtime, tenants: list[TenantContext]) -> dict[uuid.UUID, list[int]]:
    with platform_session(runtime) as session:
        rows = session.execute(
            select(WidgetCount.tenant_id, WidgetCount.count).where(
                WidgetCount.tenant_id.in_([t.tenant_id for t in tenants])
            )
        ).all()
    counts: dict[uuid.UUID, list[int]] = {}
    for tenant_id, count in rows:
        counts.setdefault(tenant_id, []).append(count)
    return counts


def count_runs(runtime, tenants: list[TenantContext]) -> dict[uuid.UUID, set[str]]:
    """The states of the `widgets.count` attempts for these tenants."""
    with platform_session(runtime) as session:
        rows = session.execute(
            select(TaskRun.tenant_id, TaskRun.state).where(
                TaskRun.name == "widgets.count",
                TaskRun.tenant_id.in_([t.tenant_id for t in tenants]),
            )
        ).all()
    states: dict[uuid.UUID, set[str]] = {}
    for tenant_id, state in rows:
        states.setdefault(tenant_id, set()).add(state)
    return states


def tenants_with_widgets(runtime) -> int:
    """How many tenants, on any platform, have widgets on right now."""
    with runtime.database.unit_of_work() as session, all_tenants(session):
        return sum(
            runtime.modules.is_enabled(
                session, "widgets", platform_id=t.platform_id, tenant_id=t.tenant_id
            )
            for t in runtime.directory.tenants(session)
        )


def test_fan_out_sends_a_task_to_each_tenant_with_the_module_enabled(
    runtime, worker, make_tenant, enable
):
    acme, globex, initech = make_tenant("Acme"), make_tenant("Globex"), make_tenant("Initech")
    elsewhere = uuid.uuid4()  # a platform without widgets
    stranger = make_tenant("Stranger", platform_id=elsewhere)
    pioneer = make_tenant("Pioneer", platform_id=elsewhere)  # on by its own override
    everyone = [acme, globex, initech, stranger, pioneer]
    enable("widgets")
    enable("widgets", tenant_id=initech.tenant_id, on=False)
    enable("widgets", tenant_id=pioneer.tenant_id, platform_id=elsewhere)
    expected = tenants_with_widgets(runtime)  # other tests' tenants share the database

    kwargs = {"task": "widgets.count", "module": "widgets", "queue": "default", "kwargs": {}}
    sent = runtime.celery.send_task("kernel.fan_out", kwargs=kwargs).get(timeout=30)

    assert sent == expected
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        states = count_runs(runtime, everyone)
        if all("succeeded" in states.get(t.tenant_id, ()) for t in (acme, globex, pioneer)):
            break
        time.sleep(0.05)
    reached = {acme.tenant_id, globex.tenant_id, pioneer.tenant_id}
    assert set(count_runs(runtime, everyone)) == reached
    assert {t: len(c) for t, c in counts_of(runtime, everyone).items()} == dict.fromkeys(reached, 1)
