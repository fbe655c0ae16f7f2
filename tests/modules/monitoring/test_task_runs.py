"""The kernel's task runs through the API: filters, and the retry of a failed run (the
same task sent again with the same arguments, run by the worker), refused with the reason
when the kernel did not record the task's arguments."""

from __future__ import annotations

import uuid

from tests.helpers import wait_for
from tests.modules.monitoring.conftest import API, CAPTURE


def test_task_runs_are_filtered_by_state_name_queue_module_and_task_id(
    client, operator_headers, record_failed_run
):
    name = f"monitoring.probe_{uuid.uuid4().hex[:6]}"
    failed = record_failed_run(name, queue="long_running")
    runs = f"{API}/task-runs"
    by_name = client.get(f"{runs}?name={name}", headers=operator_headers).json()
    assert [row["id"] for row in by_name["data"]] == [str(failed)] and by_name["count"] == 1
    row = by_name["data"][0]
    assert (row["state"], row["queue"], row["module"]) == ("failed", "long_running", "monitoring")
    assert (
        client.get(f"{runs}?name={name}&state=succeeded", headers=operator_headers).json()["count"]
        == 0
    )
    assert (
        client.get(f"{runs}?name={name}&queue=default", headers=operator_headers).json()["count"]
        == 0
    )
    by_task = client.get(f"{runs}?task_id={row['task_id']}", headers=operator_headers).json()
    assert by_task["count"] == 1
    failed_ones = client.get(f"{runs}?state=failed&module=monitoring", headers=operator_headers)
    assert str(failed) in {r["id"] for r in failed_ones.json()["data"]}
    assert client.get(f"{runs}?state=bogus", headers=operator_headers).status_code == 422
    one = client.get(f"{runs}/{failed}", headers=operator_headers)
    assert one.status_code == 200 and one.json()["error"] == "RuntimeError: boom"


def test_a_failed_run_is_retried_with_the_same_task_and_the_worker_runs_it(
    client, operator_headers, record_failed_run, worker
):
    failed = record_failed_run(CAPTURE)
    check = client.get(f"{API}/task-runs/{failed}/retry", headers=operator_headers).json()
    assert check == {"retryable": True, "reason": None, "kwargs": {}}
    response = client.post(f"{API}/task-runs/{failed}/retry", headers=operator_headers)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["run_id"] == str(failed) and accepted["name"] == CAPTURE

    def succeeded() -> bool:
        data = client.get(accepted["url"], headers=operator_headers).json()["data"]
        return bool(data) and data[0]["state"] == "succeeded"

    assert wait_for(succeeded, timeout=30)
    (run,) = client.get(accepted["url"], headers=operator_headers).json()["data"]
    assert run["name"] == CAPTURE and run["queue"] == "scheduled"
    assert run["task_id"] == accepted["task_id"]


def test_a_failed_run_is_retried_with_the_arguments_the_kernel_recorded(
    client, operator_headers, record_failed_run
):
    run_id = str(uuid.uuid4())
    failed = record_failed_run(
        "dev_tools.execute_test_run", queue="long_running", arguments={"run_id": run_id}
    )
    check = client.get(f"{API}/task-runs/{failed}/retry", headers=operator_headers).json()
    assert check == {"retryable": True, "reason": None, "kwargs": {"run_id": run_id}}


def test_a_task_whose_arguments_were_not_recorded_is_not_retried_and_says_why(
    client, operator_headers, record_failed_run
):
    failed = record_failed_run("dev_tools.execute_test_run", queue="long_running")
    check = client.get(f"{API}/task-runs/{failed}/retry", headers=operator_headers).json()
    assert check["retryable"] is False and "run_id" in check["reason"]
    response = client.post(f"{API}/task-runs/{failed}/retry", headers=operator_headers)
    assert response.status_code == 409
    assert response.json()["code"] == "retry_not_possible"
    assert "recorded without them" in response.json()["detail"]


def test_only_a_failed_or_lost_run_of_a_known_task_is_retried(
    client, operator_headers, record_failed_run
):
    succeeded = record_failed_run(CAPTURE, state="succeeded", error="")
    response = client.post(f"{API}/task-runs/{succeeded}/retry", headers=operator_headers)
    assert response.status_code == 409 and "succeeded" in response.json()["detail"]
    unknown = record_failed_run("gone.task_of_a_removed_module")
    response = client.post(f"{API}/task-runs/{unknown}/retry", headers=operator_headers)
    assert response.status_code == 409 and "no task" in response.json()["detail"]
    missing = client.post(f"{API}/task-runs/{uuid.uuid4()}/retry", headers=operator_headers)
    assert missing.status_code == 404 and missing.json()["code"] == "task_run_not_found"


def test_a_per_tenant_task_is_retried_for_its_tenant(
    client, operator_headers, record_failed_run, make_tenant
):
    from orion.kernel.runtime.models import TaskRun  # noqa: F401  (the kernel's table)

    tenant = make_tenant()
    failed = record_failed_run("kernel.mark_lost_runs", tenant_id=tenant.tenant_id)
    check = client.get(f"{API}/task-runs/{failed}/retry", headers=operator_headers).json()
    # mark_lost_runs takes no tenant: none is passed even though the row names one.
    assert check == {"retryable": True, "reason": None, "kwargs": {}}
