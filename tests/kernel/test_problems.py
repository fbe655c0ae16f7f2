"""Errors leave as RFC 9457 problem+json with a stable code; never a stack trace."""

from __future__ import annotations

from structlog.testing import capture_logs

from tests.helpers import OPERATOR, tenant_headers

PROBLEM = "application/problem+json"


def test_validation_errors_name_each_field(client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    response = client.post(
        "/api/v1/widgets/widgets", json={"name": ""}, headers=tenant_headers(tenant)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["status"] == 422
    assert [error["field"] for error in body["errors"]] == ["name"]
    assert body["detail"] == "Name must not be empty."


def test_malformed_json_is_a_422_not_a_500(client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    response = client.post(
        "/api/v1/widgets/widgets",
        content=b"{not json",
        headers={**tenant_headers(tenant), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_bad_query_parameter_names_it(client):
    response = client.get("/api/v1/admin/core/settings?limit=0", headers=OPERATOR)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_orion_error_keeps_its_code_and_extra_fields(client):
    response = client.get("/api/v1/admin/core/settings/missing.key", headers=OPERATOR)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "setting_not_found"
    assert body["key"] == "missing.key"
    assert body["instance"] == "/api/v1/admin/core/settings/missing.key"
    assert body["request_id"] == response.headers["x-request-id"]


def test_unknown_route_and_wrong_method_are_problems(client):
    missing = client.get("/api/v1/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json()["code"] == "not_found"
    wrong = client.delete("/health")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


def test_unexpected_error_is_a_500_with_request_id_and_no_traceback(client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    with capture_logs() as logs:
        response = client.post(
            "/api/v1/widgets/widgets/fail",
            json={"name": "x"},
            headers={**tenant_headers(tenant), "X-Request-ID": "req-123"},
        )
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == "req-123"
    assert response.headers["x-request-id"] == "req-123"
    assert "Traceback" not in response.text and "boom" not in response.text
    logged = [e for e in logs if e["event"] == "unhandled_error"]
    assert [e["request_id"] for e in logged] == ["req-123"]


def test_authentication_and_permission_problems(client, make_tenant):
    tenant = make_tenant()
    anonymous = client.get("/api/v1/admin/core/settings")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    member = client.get("/api/v1/admin/core/settings", headers=tenant_headers(tenant))
    assert member.status_code == 403
    assert member.json()["code"] == "permission_denied"
