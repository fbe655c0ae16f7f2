"""The API through a real worker: a scan and a test run started with 202, run by the
worker on `long_running`, their state and results read back; rules switched per
platform; paths outside the project refused."""

from __future__ import annotations

import pytest

from orion.modules.dev_tools.scanning import RULES
from tests.helpers import wait_for
from tests.modules.dev_tools.conftest import API, BROKEN, CLEAN, SUITE, relative

pytestmark = pytest.mark.usefixtures("worker")


def finished(client, headers, url, states):  # type: ignore[no-untyped-def]
    seen = {}

    def done() -> bool:
        seen.update(client.get(url, headers=headers).json())
        return seen.get("state") in states

    assert wait_for(done, timeout=120), seen
    return seen


def test_both_tasks_go_to_the_long_running_queue(runtime):
    routes = runtime.celery.conf.task_routes
    for name in ("dev_tools.execute_code_quality_scan", "dev_tools.execute_test_run"):
        assert name in runtime.celery.tasks
        assert routes[name]["queue"] == "long_running"


def test_a_scan_runs_in_the_worker_and_is_compared_with_the_previous_one(client, superadmin):
    body = {"path": relative(BROKEN)}
    started = client.post(f"{API}/scans", json=body, headers=superadmin)
    assert started.status_code == 202, started.text
    accepted = started.json()
    assert accepted["state"] == "pending" and accepted["url"].endswith(accepted["id"])
    scan = finished(client, superadmin, accepted["url"], ("succeeded", "failed"))
    assert scan["state"] == "succeeded", scan
    assert scan["violation_count"] == len(RULES) and scan["new_count"] == len(RULES)
    assert scan["progress_done"] == scan["progress_total"] == len(RULES) + 1
    assert scan["target"] == relative(BROKEN) and scan["rules"] == list(RULES)

    violations = client.get(f"{accepted['url']}/violations", headers=superadmin).json()
    assert violations["count"] == len(RULES)
    assert {v["rule"] for v in violations["data"]} == set(RULES)
    commit = client.get(
        f"{accepted['url']}/violations",
        params={"rule": "no-commit-in-services"},
        headers=superadmin,
    ).json()["data"]
    assert [(v["file"], v["message"][:16]) for v in commit] == [
        (relative(BROKEN / "service.py"), "session.commit()")
    ]

    again = client.post(f"{API}/scans", json=body, headers=superadmin).json()
    second = finished(client, superadmin, again["url"], ("succeeded", "failed"))
    assert second["previous_scan_id"] == accepted["id"]
    assert (second["new_count"], second["fixed_count"], second["unchanged_count"]) == (
        0,
        0,
        len(RULES),
    )
    comparison = client.get(f"{again['url']}/comparison", headers=superadmin).json()
    assert (len(comparison["new"]), len(comparison["unchanged"])) == (0, len(RULES))

    trend = client.get(f"{API}/scans/trend", headers=superadmin).json()
    assert trend[-1]["scan_id"] == again["id"]
    assert trend[-1]["by_rule"] == dict.fromkeys(RULES, 1)
    listed = client.get(f"{API}/scans", headers=superadmin).json()
    assert listed["data"][0]["id"] == again["id"] and listed["count"] >= 2


def test_a_rule_switched_off_for_a_platform_is_not_run_there(client, superadmin, make_platform):
    other = str(make_platform().id)
    switched = client.put(
        f"{API}/rules/file-size",
        params={"platform_id": other},
        json={"enabled": False},
        headers=superadmin,
    )
    assert switched.status_code == 200 and switched.json()["enabled"] is False
    rules = client.get(f"{API}/rules", params={"platform_id": other}, headers=superadmin).json()
    assert {r["code"]: r["enabled"] for r in rules}["file-size"] is False
    # The default platform still runs every rule.
    default_rules = client.get(f"{API}/rules", headers=superadmin).json()
    assert all(r["enabled"] for r in default_rules)

    started = client.post(
        f"{API}/scans",
        params={"platform_id": other},
        json={"path": relative(BROKEN)},
        headers=superadmin,
    ).json()
    scan = finished(
        client, superadmin, f"{started['url']}?platform_id={other}", ("succeeded", "failed")
    )
    assert "file-size" not in scan["rules"]
    assert scan["violation_count"] == len(RULES) - 1
    # Another platform's scan is not found on the default one.
    assert client.get(started["url"], headers=superadmin).status_code == 404


def test_an_unknown_rule_or_a_path_outside_the_project_is_a_422(client, superadmin):
    for body, field in (
        ({"rules": ["no-such-rule"]}, "rules"),
        ({"path": "/etc"}, "path"),
        ({"path": "../../../../etc/passwd"}, "path"),
        ({"path": "src/orion/no_such_folder"}, "path"),
    ):
        response = client.post(f"{API}/scans", json=body, headers=superadmin)
        assert response.status_code == 422, (body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field]
    response = client.put(f"{API}/rules/no-such-rule", json={"enabled": True}, headers=superadmin)
    assert response.status_code == 422


def test_a_clean_scan_through_the_api_finds_nothing(client, superadmin):
    started = client.post(f"{API}/scans", json={"path": relative(CLEAN)}, headers=superadmin)
    scan = finished(client, superadmin, started.json()["url"], ("succeeded", "failed"))
    assert (scan["state"], scan["violation_count"]) == ("succeeded", 0)


def test_a_test_run_of_a_collection_runs_in_the_worker(client, superadmin):
    collection = client.post(
        f"{API}/test-collections",
        json={"name": "sample suite", "path": relative(SUITE / "check_sample.py")},
        headers=superadmin,
    )
    assert collection.status_code == 201, collection.text
    collection_id = collection.json()["id"]
    again = client.post(
        f"{API}/test-collections",
        json={"name": "sample suite", "path": "tests"},
        headers=superadmin,
    )
    assert again.status_code == 409
    # An explicit null may not clear what a collection needs; nothing is written.
    nulled = client.patch(
        f"{API}/test-collections/{collection_id}", json={"path": None}, headers=superadmin
    )
    assert nulled.status_code == 422, nulled.text
    assert [e["field"] for e in nulled.json()["errors"]] == ["path"]
    kept = client.get(f"{API}/test-collections/{collection_id}", headers=superadmin).json()
    assert kept["path"] == relative(SUITE / "check_sample.py")

    started = client.post(
        f"{API}/test-runs",
        json={"collection_id": collection_id, "time_limit_seconds": 120},
        headers=superadmin,
    )
    assert started.status_code == 202, started.text
    url = started.json()["url"]
    run = finished(client, superadmin, url, ("passed", "failed", "error", "timed_out"))
    assert run["state"] == "failed", run
    counts = (run["passed"], run["failed"], run["skipped"], run["errors"])
    assert counts == (3, 1, 1, 1)
    assert (run["total"], run["done"], run["collection_id"]) == (6, 6, collection_id)

    failed = client.get(f"{url}/results", params={"outcome": "failed"}, headers=superadmin).json()
    assert [r["name"] for r in failed["data"]] == ["test_fails"]
    assert "arithmetic is broken" in failed["data"][0]["message"]
    output = client.get(f"{url}/output", headers=superadmin).json()["output"]
    assert "1 failed, 3 passed" in output
    history = client.get(f"{API}/test-runs", headers=superadmin).json()
    assert history["data"][0]["id"] == started.json()["id"]
    slowest = client.get(f"{API}/test-runs/slowest", headers=superadmin).json()
    assert slowest[0]["node_id"] == "check_sample.py::test_passes"
    assert client.get(f"{API}/test-runs/flaky", headers=superadmin).status_code == 200


def test_a_test_run_past_its_time_limit_is_timed_out_in_the_worker(client, superadmin):
    started = client.post(
        f"{API}/test-runs",
        json={"path": relative(SUITE / "check_hang.py"), "time_limit_seconds": 2},
        headers=superadmin,
    )
    assert started.status_code == 202, started.text
    run = finished(
        client, superadmin, started.json()["url"], ("passed", "failed", "error", "timed_out")
    )
    assert run["state"] == "timed_out" and run["time_limit_seconds"] == 2


def test_a_test_run_needs_a_path_or_a_collection(client, superadmin):
    response = client.post(f"{API}/test-runs", json={}, headers=superadmin)
    assert response.status_code == 422
    response = client.post(
        f"{API}/test-runs", json={"path": "tests", "marker": "--co"}, headers=superadmin
    )
    assert response.status_code == 422  # an option is no marker expression
