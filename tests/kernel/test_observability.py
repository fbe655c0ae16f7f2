"""Health, readiness, metrics and logs."""

from __future__ import annotations

import json

import structlog
from prometheus_client.parser import text_string_to_metric_families

from orion.kernel.runtime.observability import configure_logging
from tests.helpers import OPERATOR, tenant_headers


def _samples(client, name):
    text = client.get("/metrics", headers=OPERATOR).text
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def test_ready_reports_each_check(client):
    response = client.get("/ready", headers=OPERATOR)
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["broker"]["ok"] is True
    assert checks["core.migrations_applied"]["ok"] is True
    assert checks["widgets.healthy"]["detail"] == "widgets ok"


def test_ready_is_503_when_a_module_check_fails(client, monkeypatch):
    monkeypatch.setenv("ORION_TEST_WIDGETS_UNHEALTHY", "1")
    response = client.get("/ready", headers=OPERATOR)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["widgets.healthy"] == {
        "ok": False,
        "detail": "RuntimeError: widget press jammed",
        "duration_ms": body["checks"]["widgets.healthy"]["duration_ms"],
    }
    assert body["checks"]["database"]["ok"] is True


def test_http_latency_is_labelled_by_route_template_and_module(client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    client.get("/api/v1/widgets/widgets", headers=tenant_headers(tenant))
    client.get("/health")
    samples = _samples(client, "orion_http_request_duration_seconds_count")
    labels = [s.labels for s in samples]
    assert {
        "method": "GET",
        "route": "/api/v1/widgets/widgets",
        "module": "widgets",
        "status": "200",
    } in labels
    assert {"method": "GET", "route": "/health", "module": "kernel", "status": "200"} in labels


def test_task_runs_are_counted_by_task_queue_and_state(client, runtime, worker, enable):
    enable("widgets")
    runtime.celery.send_task("widgets.echo", kwargs={"value": "m"}).get(timeout=30)
    samples = _samples(client, "orion_task_runs_total")
    assert any(
        s.labels == {"task": "widgets.echo", "queue": "long_running", "state": "succeeded"}
        and s.value >= 1
        for s in samples
    )


def test_logs_are_json_lines_with_request_id_and_tenant(capsys, client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    configure_logging("INFO", json=True)
    try:
        logger = structlog.get_logger("test")
        structlog.contextvars.bind_contextvars(
            request_id="r-1", tenant=str(tenant.tenant_id), module="widgets"
        )
        logger.info("something_happened", size=3)
        structlog.contextvars.clear_contextvars()
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["event"] == "something_happened"
        assert record["request_id"] == "r-1"
        assert record["tenant"] == str(tenant.tenant_id)
        assert record["module"] == "widgets"
        assert record["level"] == "info"
    finally:
        configure_logging("WARNING", json=False)


def test_a_routes_log_lines_carry_the_request_id_tenant_and_module(
    capsys, client, make_tenant, enable
):
    tenant = make_tenant()
    enable("widgets")
    configure_logging("INFO", json=True)
    try:
        capsys.readouterr()
        response = client.get(
            "/api/v1/widgets/widgets",
            headers={**tenant_headers(tenant), "X-Request-ID": "req-logged"},
        )
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        configure_logging("WARNING", json=False)

    assert response.status_code == 200
    [record] = [line for line in lines if line["event"] == "widgets_listed"]
    assert record["request_id"] == "req-logged"
    assert record["tenant"] == str(tenant.tenant_id)
    assert record["module"] == "widgets"


def test_every_response_carries_a_request_id(client):
    response = client.get("/health", headers={"X-Request-ID": "abc"})
    assert response.headers["x-request-id"] == "abc"
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32
