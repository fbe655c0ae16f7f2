"""The core module: platform settings, the tenant's modules and menu, health history."""

from __future__ import annotations

from tests.helpers import OPERATOR, tenant_headers


def test_platform_settings_round_trip(client, platform_id):
    params = {"platform_id": str(platform_id)}
    url = "/api/v1/admin/core/settings/support.email"
    assert client.get(url, params=params, headers=OPERATOR).status_code == 404
    put = client.put(url, params=params, headers=OPERATOR, json={"value": "help@example.com"})
    assert put.status_code == 200, put.text
    assert put.json()["value"] == "help@example.com"
    client.put(url, params=params, headers=OPERATOR, json={"value": "desk@example.com"})
    listed = client.get("/api/v1/admin/core/settings", params=params, headers=OPERATOR).json()
    assert listed["count"] == 1
    assert listed["data"][0] == {
        "key": "support.email",
        "value": "desk@example.com",
        "updated_at": listed["data"][0]["updated_at"],
    }
    assert client.delete(url, params=params, headers=OPERATOR).status_code == 204
    assert client.get(url, params=params, headers=OPERATOR).json()["code"] == "setting_not_found"


def test_settings_belong_to_their_platform(client, platform_id):
    client.put(
        "/api/v1/admin/core/settings/theme",
        params={"platform_id": str(platform_id)},
        headers=OPERATOR,
        json={"value": {"color": "teal"}},
    )
    other = client.get("/api/v1/admin/core/settings", headers=OPERATOR).json()
    assert all(
        item["key"] != "theme" or item["value"] != {"color": "teal"} for item in other["data"]
    )


def test_a_setting_key_is_validated(client):
    response = client.put(
        "/api/v1/admin/core/settings/Bad Key!", headers=OPERATOR, json={"value": 1}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "key"


def test_a_tenant_sees_which_modules_are_on_for_it(client, make_tenant, enable):
    tenant = make_tenant()
    before = client.get("/api/v1/core/modules", headers=tenant_headers(tenant)).json()
    states = {module["code"]: module["enabled"] for module in before["data"]}
    assert states["core"] is True and states["widgets"] is False
    enable("widgets", tenant_id=tenant.tenant_id)
    after = client.get("/api/v1/core/modules", headers=tenant_headers(tenant)).json()
    assert {m["code"]: m["enabled"] for m in after["data"]}["widgets"] is True


def test_the_menu_follows_modules_and_permissions(client, make_tenant, enable):
    tenant = make_tenant()

    def labels(*permissions):
        response = client.get("/api/v1/core/menu", headers=tenant_headers(tenant, *permissions))
        assert response.status_code == 200, response.text
        return [item["label"] for item in response.json()["data"]]

    assert labels() == []
    assert labels("core.view", "widgets.read") == ["Dashboard"]  # widgets is off
    enable("widgets")
    assert labels("core.view", "widgets.read") == ["Dashboard", "Widgets"]
    assert labels("core.view") == ["Dashboard"]  # on, but no permission to see it
    enable("gadgets")
    assert labels("core.view") == ["Dashboard", "Gadgets"]  # its item needs no permission


def test_operators_see_the_platform_menu(client):
    response = client.get("/api/v1/core/menu", headers=OPERATOR)
    assert response.status_code == 200
    items = response.json()["data"]
    assert {item["section"] for item in items} == {"platform"}
    assert "Platform settings" in [item["label"] for item in items]


def test_health_snapshots_are_kept_by_the_scheduled_task(client, runtime, worker):
    summary = runtime.celery.send_task("core.snapshot_health").get(timeout=30)
    assert summary["failing"] == 0
    history = client.get(
        "/api/v1/admin/core/health", params={"check": "database"}, headers=OPERATOR
    ).json()
    assert history["count"] >= 1
    assert history["data"][0]["ok"] is True
