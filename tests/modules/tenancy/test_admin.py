"""Platform operators: platforms, tenants with their members and modules, any tenant's
stores and members, and module switches per tenant."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.kernel.runtime.models import OutboxEvent, TaskRun
from orion.modules.tenancy import services
from orion.modules.tenancy.events import TenantDeleted
from orion.modules.tenancy.models import Membership, Store
from tests.helpers import platform_session

ADMIN = "/api/v1/admin/tenancy"


def test_the_default_platform_exists_after_upgrade(client, operator):
    response = client.get(f"{ADMIN}/platforms/{DEFAULT_PLATFORM_ID}", headers=operator)
    assert response.status_code == 200, response.text
    assert response.json() | {"code": "default", "name": "Default platform"} == response.json()


def test_platforms_are_created_read_changed_and_deleted(client, operator):
    code = f"eu-{uuid.uuid4().hex[:6]}"
    created = client.post(
        f"{ADMIN}/platforms", headers=operator, json={"code": code, "name": "Europe"}
    )
    assert created.status_code == 201, created.text
    platform_id = created.json()["id"]
    again = client.post(
        f"{ADMIN}/platforms", headers=operator, json={"code": code, "name": "Twice"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "platform_code_taken"
    assert again.json()["errors"][0]["field"] == "code"

    changed = client.patch(
        f"{ADMIN}/platforms/{platform_id}",
        headers=operator,
        json={"name": "Europe West", "settings": {"registration_open": True}},
    )
    assert changed.json()["name"] == "Europe West"
    assert changed.json()["settings"] == {"registration_open": True}
    nulled = client.patch(
        f"{ADMIN}/platforms/{platform_id}",
        headers=operator,
        json={"name": "Not Saved", "settings": None},
    )
    assert nulled.status_code == 422, nulled.text
    assert [e["field"] for e in nulled.json()["errors"]] == ["settings"]
    kept = client.get(f"{ADMIN}/platforms/{platform_id}", headers=operator).json()
    assert (kept["name"], kept["settings"]) == ("Europe West", {"registration_open": True})
    count = client.get(f"{ADMIN}/platforms", headers=operator).json()["count"]
    newest = client.get(  # oldest first: other tests' platforms come before it
        f"{ADMIN}/platforms", headers=operator, params={"limit": 1, "offset": count - 1}
    ).json()
    assert [p["id"] for p in newest["data"]] == [platform_id]

    tenant = client.post(
        f"{ADMIN}/tenants",
        headers=operator,
        params={"platform_id": platform_id},
        json={"name": "Euro Shop"},
    ).json()
    busy = client.delete(f"{ADMIN}/platforms/{platform_id}", headers=operator)
    assert busy.status_code == 409 and busy.json()["code"] == "platform_not_empty"
    client.delete(f"{ADMIN}/tenants/{tenant['id']}", headers=operator)
    assert client.delete(f"{ADMIN}/platforms/{platform_id}", headers=operator).status_code == 204
    assert client.get(f"{ADMIN}/platforms/{platform_id}", headers=operator).status_code == 404


def test_the_default_platform_cannot_be_deleted(client, operator):
    response = client.delete(f"{ADMIN}/platforms/{DEFAULT_PLATFORM_ID}", headers=operator)
    assert response.status_code == 409
    assert response.json()["code"] == "default_platform_protected"


def test_bad_platform_input_names_the_field(client, operator):
    response = client.post(
        f"{ADMIN}/platforms", headers=operator, json={"code": "Not A Code", "name": "x"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["code"]


def test_a_slug_keeps_the_letters_of_an_accented_name(client, operator):
    suffix = uuid.uuid4().hex[:4]
    created = client.post(
        f"{ADMIN}/tenants", headers=operator, json={"name": f"Café Ünïcode & Co {suffix}"}
    )
    assert created.status_code == 201
    assert created.json()["slug"] == f"cafe-unicode-co-{suffix}"


def test_tenants_are_created_on_the_default_platform_with_a_unique_slug(client, operator):
    name = f"Corner Bakery {uuid.uuid4().hex[:4]}"
    first = client.post(f"{ADMIN}/tenants", headers=operator, json={"name": name})
    second = client.post(f"{ADMIN}/tenants", headers=operator, json={"name": name})
    assert first.status_code == second.status_code == 201
    assert first.json()["platform_id"] == str(DEFAULT_PLATFORM_ID)
    assert first.json()["slug"] == name.lower().replace(" ", "-")
    assert second.json()["slug"] == first.json()["slug"] + "-2"
    taken = client.post(
        f"{ADMIN}/tenants",
        headers=operator,
        json={"name": "Other", "slug": first.json()["slug"]},
    )
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "slug"
    unknown_platform = client.post(
        f"{ADMIN}/tenants",
        headers=operator,
        params={"platform_id": str(uuid.uuid4())},
        json={"name": "Nowhere"},
    )
    assert unknown_platform.status_code == 404


def test_operators_list_tenants_with_their_members_and_modules(client, operator, member):
    admin = member()
    staff = member(admin.tenant, role="staff")
    response = client.get(f"{ADMIN}/tenants/{admin.tenant.tenant_id}", headers=operator)
    assert response.status_code == 200, response.text
    tenant = response.json()
    assert {(m["email"], m["role"]) for m in tenant["members"]} == {
        (admin.email, "tenant_admin"),
        (staff.email, "staff"),
    }
    assert {"core", "auth", "tenancy"} <= set(tenant["modules"])
    listed = client.get(
        f"{ADMIN}/tenants", headers=operator, params={"q": tenant["slug"], "limit": 500}
    ).json()
    assert listed["count"] >= 1
    ours = next(t for t in listed["data"] if t["id"] == str(admin.tenant.tenant_id))
    assert len(ours["members"]) == 2


def test_a_suspended_tenant_can_no_longer_be_acted_for(client, operator, member):
    admin = member()
    url = f"{ADMIN}/tenants/{admin.tenant.tenant_id}"
    assert client.get("/api/v1/tenancy/tenant", headers=admin.headers).status_code == 200
    neither = client.patch(url, headers=operator, json={"is_active": None})
    assert neither.status_code == 422, neither.text
    assert [e["field"] for e in neither.json()["errors"]] == ["is_active"]
    suspended = client.patch(url, headers=operator, json={"is_active": False})
    assert suspended.json()["is_active"] is False
    assert client.get("/api/v1/tenancy/tenant", headers=admin.headers).status_code in (401, 403)
    client.patch(url, headers=operator, json={"is_active": True})
    assert client.get("/api/v1/tenancy/tenant", headers=admin.headers).status_code == 200


def test_operators_manage_any_tenants_stores_and_members(client, operator, member, make_user):
    admin = member()
    base = f"{ADMIN}/tenants/{admin.tenant.tenant_id}"
    store = client.post(
        f"{base}/stores", headers=operator, json={"name": "Harbour", "code": "harbour"}
    )
    assert store.status_code == 201, store.text
    assert store.json()["tenant_id"] == str(admin.tenant.tenant_id)
    store_id = store.json()["id"]
    # The tenant's own admin sees the store the operator made.
    own = client.get("/api/v1/tenancy/stores", headers=admin.headers).json()
    assert [s["id"] for s in own["data"]] == [store_id]
    renamed = client.patch(
        f"{base}/stores/{store_id}", headers=operator, json={"name": "Harbour Front"}
    )
    assert renamed.json()["name"] == "Harbour Front"

    user, _ = make_user()
    added = client.post(
        f"{base}/members",
        headers=operator,
        json={"email": user.email, "role": "staff", "store_ids": [store_id]},
    )
    assert added.status_code == 201, added.text
    assert added.json()["store_ids"] == [store_id]
    twice = client.post(
        f"{base}/members", headers=operator, json={"email": user.email, "role": "user"}
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_member"
    nobody = client.post(
        f"{base}/members",
        headers=operator,
        json={"email": "nobody-here@example.com", "role": "user"},
    )
    assert nobody.status_code == 404 and nobody.json()["errors"][0]["field"] == "email"
    members = client.get(f"{base}/members", headers=operator).json()
    assert members["count"] == 2

    assert client.delete(f"{base}/stores/{store_id}", headers=operator).status_code == 204
    # The staff member limited to that store loses it from the list.
    members = client.get(f"{base}/members", headers=operator).json()
    assert next(m for m in members["data"] if m["email"] == user.email)["store_ids"] == []


def test_unknown_tenants_are_404_for_operators(client, operator):
    missing = uuid.uuid4()
    for path in ("", "/stores", "/members", "/invitations", "/modules"):
        response = client.get(f"{ADMIN}/tenants/{missing}{path}", headers=operator)
        assert response.status_code == 404, path
        assert response.json()["code"] == "tenant_not_found"


def test_deleting_a_tenant_removes_its_rows_and_access(client, runtime, operator, member):
    admin = member()
    store = client.post(
        "/api/v1/tenancy/stores", headers=admin.headers, json={"name": "Gone", "code": "gone"}
    ).json()
    url = f"{ADMIN}/tenants/{admin.tenant.tenant_id}"
    assert client.delete(url, headers=operator).status_code == 204
    assert client.get(url, headers=operator).status_code == 404
    assert client.get("/api/v1/tenancy/stores", headers=admin.headers).status_code in (401, 403)
    with platform_session(runtime) as session:
        assert session.get(Store, uuid.UUID(store["id"])) is None
        assert (
            session.scalar(select(Membership).where(Membership.tenant_id == admin.tenant.tenant_id))
            is None
        )
    if runtime.events.after_commit.get(TenantDeleted.name):
        # Other modules hear of it with the deleted tenant's id, as platform code.
        with platform_session(runtime) as session:
            events = session.scalars(
                select(OutboxEvent).where(OutboxEvent.name == TenantDeleted.name)
            ).all()
        deleted = [
            e for e in events if e.payload["deleted_tenant_id"] == str(admin.tenant.tenant_id)
        ]
        assert len(deleted) == 1 and deleted[0].tenant_id is None


def test_a_task_sent_for_a_tenant_deleted_since_is_skipped_not_failed(
    client, runtime, worker, operator, member
):
    admin = member()
    tenant_id = admin.tenant.tenant_id
    assert client.delete(f"{ADMIN}/tenants/{tenant_id}", headers=operator).status_code == 204

    sent = runtime.celery.send_task(
        "email.send_message", kwargs={"message_id": str(uuid.uuid4()), "tenant_id": str(tenant_id)}
    )

    assert sent.get(timeout=30) is None
    with platform_session(runtime) as session:
        runs = session.scalars(select(TaskRun).where(TaskRun.task_id == sent.id)).all()
    assert [(run.state, run.error) for run in runs] == [("skipped", None)]


def test_admin_routes_are_for_operators_only(client, member):
    admin = member()
    for method, path in (
        ("GET", "/platforms"),
        ("POST", "/platforms"),
        ("GET", "/tenants"),
        ("POST", "/tenants"),
        ("GET", f"/tenants/{admin.tenant.tenant_id}"),
        ("POST", f"/tenants/{admin.tenant.tenant_id}/modules/tenancy/disable"),
    ):
        response = client.request(method, ADMIN + path, headers=admin.headers, json={})
        assert response.status_code == 403, (method, path, response.text)
        assert client.request(method, ADMIN + path, json={}).status_code == 401


def test_module_switches_per_tenant_show_in_the_tenants_module_list(
    client, operator, member, make_tenant, runtime
):
    # A platform of its own: module states set elsewhere on the default platform stay out.
    platform = client.post(
        f"{ADMIN}/platforms",
        headers=operator,
        json={"code": f"mods-{uuid.uuid4().hex[:6]}", "name": "Modules"},
    ).json()
    admin = member(make_tenant(platform_id=uuid.UUID(platform["id"])))
    other = member(make_tenant(platform_id=uuid.UUID(platform["id"])))
    base = f"{ADMIN}/tenants/{admin.tenant.tenant_id}/modules"

    def enabled(who):
        response = client.get("/api/v1/core/modules", headers=who.headers)
        assert response.status_code == 200, response.text
        return {m["code"] for m in response.json()["data"] if m["enabled"]}

    refused = client.post(f"{base}/tenancy/disable", headers=operator)
    assert refused.status_code == 409
    assert refused.json()["code"] == "module_activation_refused"
    unknown = client.post(f"{base}/no_such_module/enable", headers=operator)
    assert unknown.status_code == 404

    optional = [d.code for d in runtime.registry.ordered if not d.always_on]
    if not optional:
        return  # no optional module installed to switch
    code = optional[0]
    assert code not in enabled(admin)
    switched = client.post(f"{base}/{code}/enable", headers=operator)
    assert switched.status_code == 200, switched.text
    assert switched.json()["enabled"] is True
    assert code in enabled(admin)
    assert code not in enabled(other)  # another tenant is untouched
    listed = client.get(base, headers=operator).json()
    assert {m["code"]: m["enabled"] for m in listed["data"]}[code] is True
    assert client.post(f"{base}/{code}/disable", headers=operator).status_code == 200
    assert code not in enabled(admin)
    cleared = client.delete(f"{base}/{code}", headers=operator)
    assert cleared.status_code == 200 and cleared.json()["enabled"] is False


def test_searches_match_percent_and_underscore_literally(client, runtime, operator):
    h = uuid.uuid4().hex[:8]
    names = [f"Sale {h} 50% off", f"Sale {h} 500 off", f"Plan {h} a_b", f"Plan {h} axb"]
    made = {}
    for name in names:
        created = client.post(f"{ADMIN}/tenants", headers=operator, json={"name": name})
        assert created.status_code == 201, created.text
        made[name] = created.json()

    def found(q: str) -> set[str]:
        response = client.get(f"{ADMIN}/tenants", headers=operator, params={"q": q})
        assert response.status_code == 200, response.text
        return {t["name"] for t in response.json()["data"]}

    assert found(f"{h} 50%") == {f"Sale {h} 50% off"}
    assert found(f"{h} a_b") == {f"Plan {h} a_b"}
    assert found(f"{h}-a_b") == set()  # not the slug plan-<h>-a-b: "_" is no wildcard
    assert found(f"{h} 50") == {f"Sale {h} 50% off", f"Sale {h} 500 off"}
    assert found(f"SALE {h}") == {f"Sale {h} 50% off", f"Sale {h} 500 off"}

    # Operators' store search (the console's) too: store codes may hold "_".
    tenant = made[f"Plan {h} a_b"]
    for code in (f"a_b{h}", f"axb{h}"):
        store = client.post(
            f"{ADMIN}/tenants/{tenant['id']}/stores",
            headers=operator,
            json={"name": f"Store {code}", "code": code},
        )
        assert store.status_code == 201, store.text
    with platform_session(runtime) as session:
        rows, count = services.list_all_stores(session, search=f"a_b{h}")
        assert (count, [store.code for store, _ in rows]) == (1, [f"a_b{h}"])
        rows, count = services.list_all_stores(session, search=f"{h} a_b")  # the tenant's name
        assert sorted(store.code for store, _ in rows) == [f"a_b{h}", f"axb{h}"]
