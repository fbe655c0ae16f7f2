"""The console pages render for an operator with real data: the overview with the latest
figures, history and thresholds; notifications acknowledged with a button; task runs
filtered, a failed run retried with a button or the reason it cannot be."""

from __future__ import annotations

import uuid

from tests.helpers import wait_for
from tests.modules.monitoring.conftest import CAPTURE, PAGES, capture


def test_the_platform_menu_opens_the_pages(console):
    html = console.get(f"{PAGES}/").text
    nav = html.split('<nav id="menu">', 1)[1].split("</nav>", 1)[0]
    for path in ("/", "/notifications", "/task-runs"):
        assert f'href="{PAGES}{path}"' in nav


def test_the_overview_shows_the_latest_figures_history_and_thresholds(console, runtime):
    capture(runtime)
    snapshot = capture(runtime)
    html = console.get(f"{PAGES}/").text
    assert 'id="figures"' in html and 'id="figure-tenants"' in html
    assert f">{snapshot.tenants}<" in html.split('id="figure-tenants"', 1)[1][:40]
    assert 'id="queues"' in html and 'id="tables"' in html
    assert 'id="chart-counts-data"' in html and 'id="history-counts"' in html
    assert 'id="threshold-database_mb"' in html


def test_a_threshold_is_set_from_the_console_and_a_bad_value_is_shown_next_to_it(
    console, client, operator_headers
):
    try:
        response = console.post(f"{PAGES}/thresholds/queue_depth", {"value": "250"})
        assert response.status_code == 303
        listed = client.get("/api/v1/admin/monitoring/thresholds", headers=operator_headers)
        (row,) = [t for t in listed.json() if t["metric"] == "queue_depth"]
        assert row["value"] == 250 and row["overridden"]
        bad = console.post(f"{PAGES}/thresholds/queue_depth", {"value": "-3"})
        assert bad.status_code == 422 and 'id="e-value"' in bad.text
    finally:
        client.delete("/api/v1/admin/monitoring/thresholds/queue_depth", headers=operator_headers)


def test_a_notification_is_acknowledged_with_its_button(console, runtime, record_failed_run):
    name = f"monitoring.probe_{uuid.uuid4().hex[:6]}"
    record_failed_run(name, error="KeyError: 'probe'")
    capture(runtime)
    html = console.get(f"{PAGES}/notifications").text
    assert f"Task {name} failed" in html
    row = html.split(f"Task {name} failed", 1)[0].rsplit('<tr id="notification-', 1)[1]
    notification_id = row.split('"', 1)[0]
    response = console.post(f"{PAGES}/notifications/{notification_id}/ack")
    assert response.status_code == 303
    assert f"Task {name} failed" not in console.get(f"{PAGES}/notifications").text
    done = console.get(f"{PAGES}/notifications?state=acknowledged").text
    assert f"Task {name} failed" in done and "Acknowledge</button>" not in done.split(name)[1][:600]


def test_task_runs_are_filtered_and_a_failed_run_is_retried_with_its_button(
    console, record_failed_run, worker
):
    failed = record_failed_run(CAPTURE)
    blocked = record_failed_run("dev_tools.execute_scan_probe_missing")
    html = console.get(f"{PAGES}/task-runs?state=failed").text
    assert f'id="run-{failed}"' in html and f'id="run-{blocked}"' in html
    assert "Cannot retry: no task" in html.split(f'id="run-{blocked}"', 1)[1].split("</tr>")[0]
    filtered = console.get(f"{PAGES}/task-runs?name={CAPTURE}&state=failed").text
    assert f'id="run-{blocked}"' not in filtered
    response = console.post(f"{PAGES}/task-runs/{failed}/retry")
    assert response.status_code == 303
    page = response.headers["location"]
    assert page.startswith(f"{PAGES}/task-runs?task_id=")
    assert wait_for(lambda: "succeeded" in console.get(page).text, timeout=30)
