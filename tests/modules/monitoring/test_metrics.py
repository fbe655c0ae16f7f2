"""/metrics exposes the latest snapshot's figures and the open notifications as gauges;
importing the module again registers nothing twice."""

from __future__ import annotations

import importlib
import re

from tests.modules.monitoring.conftest import capture


def _value(text: str, name: str, labels: str = "") -> float:
    pattern = rf"^{re.escape(name)}{re.escape(labels)} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"{name}{labels} is not in /metrics"
    return float(found.group(1))


def test_metrics_expose_the_latest_snapshot_and_the_open_notifications(
    runtime, client, make_tenant, operator_headers
):
    tenant = make_tenant()
    snapshot = capture(runtime)
    text = client.get("/metrics", headers=operator_headers).text
    assert _value(text, "orion_monitoring_entities", '{entity="tenants"}') == snapshot.tenants
    assert _value(text, "orion_monitoring_entities", '{entity="users"}') == snapshot.users
    assert _value(text, "orion_monitoring_database_bytes") > 0
    assert _value(text, "orion_monitoring_snapshot_timestamp_seconds") == (
        snapshot.taken_at.timestamp()
    )
    assert _value(text, "orion_monitoring_task_failure_ratio") == snapshot.failure_rate_bp / 10_000
    assert _value(text, "orion_monitoring_outbox_pending") == snapshot.outbox_pending
    assert _value(text, "orion_monitoring_webhooks_failed") == snapshot.webhooks_failed
    platform = f'{{platform="{tenant.platform_id}"}}'
    assert (
        _value(text, "orion_monitoring_platform_task_runs_finished", platform)
        == (snapshot.by_platform[str(tenant.platform_id)]["runs_finished"])
    )
    for kind in ("task_failed", "threshold", "outbox_stalled", "webhook_failed"):
        assert _value(text, "orion_monitoring_open_notifications", f'{{kind="{kind}"}}') >= 0


def test_importing_the_metrics_again_keeps_one_collector(client, operator_headers):
    from orion.modules.monitoring import metrics

    first = metrics.collector()
    reloaded = importlib.reload(metrics)
    assert reloaded.collector() is first
    text = client.get("/metrics", headers=operator_headers).text
    assert text.count("# TYPE orion_monitoring_open_notifications gauge") == 1
