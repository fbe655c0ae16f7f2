"""Every answer carries the security headers; CORS is closed unless origins are named;
`/metrics` and `/ready`'s details are for platform operators (a token or an allowed
network), `/health` for anyone."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from orion.app import create_app
from orion.kernel.runtime import build_runtime
from tests.helpers import OPERATOR, tenant_headers


def test_every_answer_carries_the_security_headers(client):
    for response in (client.get("/health"), client.get("/api/v1/nowhere")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        )
        assert "strict-transport-security" not in response.headers  # plain http


def test_hsts_is_sent_only_over_https(app):
    with TestClient(app, base_url="https://testserver") as secure:
        response = secure.get("/health")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_console_pages_allow_only_their_own_scripts_by_nonce(client):
    response = client.get("/console/sign-in")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy
    # No inline event handler and no script without the nonce in what the page sends.
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert re.search(r"<[^>]*\son[a-z]+=", response.text) is None
    for tag in response.text.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or f'nonce="{nonce}"' in head or 'type="application/json"' in head


def test_cors_is_closed_by_default(client):
    preflight = client.options(
        "/api/v1/widgets/widgets",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    plain = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_cors_answers_the_configured_origins_only(settings):
    runtime = build_runtime(
        settings.model_copy(update={"cors_allowed_origins": ["https://shop.example"]})
    )
    try:
        with TestClient(create_app(runtime=runtime, embedded_worker=False)) as client:
            allowed = client.options(
                "/api/v1/widgets/widgets",
                headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
            )
            refused = client.get("/health", headers={"Origin": "https://evil.example"})
    finally:
        runtime.close()
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-origin" not in refused.headers


def test_health_stays_public(client):
    assert client.get("/health").status_code == 200


def test_ready_tells_anyone_its_status_but_only_operators_its_checks(client, make_tenant):
    anonymous = client.get("/ready")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ready"}
    member = client.get("/ready", headers=tenant_headers(make_tenant()))
    assert "checks" not in member.json()
    operator = client.get("/ready", headers=OPERATOR)
    assert operator.json()["checks"]["database"]["ok"] is True


def test_metrics_are_for_operators_only(client, make_tenant):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=tenant_headers(make_tenant())).status_code == 403
    operator = client.get("/metrics", headers=OPERATOR)
    assert operator.status_code == 200
    assert "orion_http_request_duration_seconds" in operator.text


def test_an_allowed_network_reads_metrics_and_checks_without_a_token(settings):
    runtime = build_runtime(settings.model_copy(update={"operations_networks": ["10.1.0.0/16"]}))
    try:
        app = create_app(runtime=runtime, embedded_worker=False)
        with TestClient(app, client=("10.1.2.3", 4000)) as inside:
            metrics = inside.get("/metrics")
            ready = inside.get("/ready")
        with TestClient(app, client=("10.2.0.1", 4000)) as outside:
            refused = outside.get("/metrics")
    finally:
        runtime.close()
    assert metrics.status_code == 200
    assert "checks" in ready.json()
    assert refused.status_code == 401
