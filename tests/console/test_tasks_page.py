"""The operators' task runs page: each run names its tenant and its task, with their whole
ids there to copy (never an 8-character stub)."""

from __future__ import annotations

import uuid

from orion.kernel.runtime.models import TaskRun


def test_a_run_names_its_tenant_and_keeps_the_whole_ids_to_copy(
    browser, runtime, make_user, make_tenant
):
    name = f"Runs Shop {uuid.uuid4().hex[:6]}"
    tenant = make_tenant(name)
    task_id = str(uuid.uuid4())
    with runtime.database.unit_of_work() as session:
        session.add(
            TaskRun(
                task_id=task_id,
                name="credits.release_expired_holds",
                queue="default",
                tenant_id=tenant.tenant_id,
                state="succeeded",
                duration_ms=1234,
            )
        )
        session.add(TaskRun(task_id=str(uuid.uuid4()), name="billing.sync", state="succeeded"))
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)

    html = browser.get("/console/platform/tasks?state=succeeded").text

    row = (
        html.split(task_id, 1)[0].rsplit("<tr>", 1)[1]
        + html.split(task_id, 1)[1].split("</tr>", 1)[0]
    )
    assert "<strong>credits.release_expired_holds</strong>" in row
    assert f'<code class="task-id" title="Celery task id">{task_id}</code>' in html
    assert f'<span title="{tenant.tenant_id}">{name}</span>' in row
    assert f'<code class="tenant-id">{tenant.tenant_id}</code>' in row
    assert "1\u202f234 ms" in row
    assert str(tenant.tenant_id)[:8] + "<" not in html  # no stub left


def test_a_run_of_the_platform_says_so(browser, runtime, make_user):
    task_id = str(uuid.uuid4())
    with runtime.database.unit_of_work() as session:
        session.add(TaskRun(task_id=task_id, name="billing.reset_period_counters", state="failed"))
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)

    html = browser.get("/console/platform/tasks?state=failed").text

    row = html.split(task_id, 1)[1].split("</tr>", 1)[0]
    assert '<span class="muted">platform</span>' in row
