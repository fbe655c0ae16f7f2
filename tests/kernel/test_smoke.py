from tests.helpers import OPERATOR, tenant_headers


def test_health_answers(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_widget_round_trip(client, make_tenant, enable):
    tenant = make_tenant()
    enable("widgets")
    response = client.post(
        "/api/v1/widgets/widgets", json={"name": "gear"}, headers=tenant_headers(tenant)
    )
    assert response.status_code == 201, response.text
    listed = client.get("/api/v1/widgets/widgets", headers=tenant_headers(tenant)).json()
    assert listed["count"] == 1
    assert client.get("/api/v1/admin/core/modules", headers=OPERATOR).status_code == 200
