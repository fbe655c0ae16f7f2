"""A tenant's own API: its record, stores and members, by role."""

from __future__ import annotations

import uuid

from orion.modules.tenancy import services
from tests.modules.tenancy.support import signed_in

API = "/api/v1/tenancy"


def test_members_see_their_tenant_without_a_balance_yet(client, member):
    admin = member()
    response = client.get(f"{API}/tenant", headers=admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(admin.tenant.tenant_id)
    assert body["balance"] is None
    renamed = client.patch(f"{API}/tenant", headers=admin.headers, json={"name": "New Name"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "New Name"
    nulled = client.patch(f"{API}/tenant", headers=admin.headers, json={"slug": None})
    assert nulled.status_code == 422, nulled.text
    assert [e["field"] for e in nulled.json()["errors"]] == ["slug"]
    assert client.get(f"{API}/tenant", headers=admin.headers).json()["slug"] == body["slug"]
    user = member(admin.tenant, role="user")
    assert client.get(f"{API}/tenant", headers=user.headers).status_code == 200
    denied = client.patch(f"{API}/tenant", headers=user.headers, json={"name": "Mine"})
    assert denied.status_code == 403 and denied.json()["permission"] == "tenancy.manage"


def test_tenant_routes_need_a_signed_in_member(client, runtime, make_user):
    assert client.get(f"{API}/tenant").status_code == 401
    loner, _ = make_user()
    headers = signed_in(runtime, loner.id)
    assert client.get(f"{API}/tenant", headers=headers).status_code == 403
    assert client.get(f"{API}/my-tenants", headers=headers).json() == {"data": [], "count": 0}


def test_a_user_lists_the_tenants_they_belong_to(client, runtime, member, make_tenant):
    first = member(role="staff")
    second = make_tenant()
    with runtime.database.unit_of_work() as session:
        services.add_member(session, second, user_id=first.user_id, role="user")
    headers = signed_in(runtime, first.user_id)
    mine = client.get(f"{API}/my-tenants", headers=headers).json()
    assert [(t["tenant_id"], t["role"]) for t in mine["data"]] == [
        (str(first.tenant.tenant_id), "staff"),
        (str(second.tenant_id), "user"),
    ]
    # Acting for the second tenant by choosing it.
    chosen = signed_in(runtime, first.user_id, second.tenant_id)
    assert client.get(f"{API}/tenant", headers=chosen).json()["id"] == str(second.tenant_id)


def test_a_tenant_admin_manages_stores(client, member):
    admin = member()
    created = client.post(
        f"{API}/stores", headers=admin.headers, json={"name": "Main Street", "code": "main"}
    )
    assert created.status_code == 201, created.text
    store = created.json()
    assert store["tenant_id"] == str(admin.tenant.tenant_id)
    duplicate = client.post(
        f"{API}/stores", headers=admin.headers, json={"name": "Again", "code": "main"}
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "code"
    bad = client.post(f"{API}/stores", headers=admin.headers, json={"name": "", "code": "a b"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "code"}

    url = f"{API}/stores/{store['id']}"
    assert client.get(url, headers=admin.headers).json()["name"] == "Main Street"
    changed = client.patch(url, headers=admin.headers, json={"name": "High Street"})
    assert changed.json()["name"] == "High Street"
    nulled = client.patch(
        url, headers=admin.headers, json={"name": "Lost", "currency": None, "is_active": None}
    )
    assert nulled.status_code == 422, nulled.text
    assert {e["field"] for e in nulled.json()["errors"]} == {"currency", "is_active"}
    assert client.get(url, headers=admin.headers).json()["name"] == "High Street"
    second = client.post(
        f"{API}/stores", headers=admin.headers, json={"name": "Second", "code": "second"}
    ).json()
    clash = client.patch(
        f"{API}/stores/{second['id']}", headers=admin.headers, json={"code": "main"}
    )
    assert clash.status_code == 409
    listed = client.get(f"{API}/stores", headers=admin.headers).json()
    assert listed["count"] == 2
    paged = client.get(f"{API}/stores", headers=admin.headers, params={"limit": 1}).json()
    assert paged["count"] == 2 and len(paged["data"]) == 1
    assert client.delete(url, headers=admin.headers).status_code == 204
    assert client.get(url, headers=admin.headers).status_code == 404


def test_staff_see_only_their_stores_and_cannot_change_them(client, member, operator):
    admin = member()
    stores = [
        client.post(
            f"{API}/stores", headers=admin.headers, json={"name": f"S{i}", "code": f"s{i}"}
        ).json()
        for i in range(3)
    ]
    staff = member(admin.tenant, role="staff")
    everything = client.get(f"{API}/stores", headers=staff.headers).json()
    assert everything["count"] == 3  # not limited yet
    membership_id = _membership_id(client, admin, staff.email)
    limited = client.patch(
        f"{API}/members/{membership_id}",
        headers=admin.headers,
        json={"store_ids": [stores[0]["id"], stores[2]["id"]]},
    )
    assert limited.status_code == 200, limited.text
    assert limited.json()["role"] == "staff"

    # The limit applies at once: permissions and stores are read from the membership.
    seen = client.get(f"{API}/stores", headers=staff.headers).json()
    assert sorted(s["id"] for s in seen["data"]) == sorted([stores[0]["id"], stores[2]["id"]])
    assert seen["count"] == 2
    hidden = client.get(f"{API}/stores/{stores[1]['id']}", headers=staff.headers)
    assert hidden.status_code == 404
    assert client.get(f"{API}/stores/{stores[0]['id']}", headers=staff.headers).status_code == 200
    create = client.post(
        f"{API}/stores", headers=staff.headers, json={"name": "Mine", "code": "mine"}
    )
    assert create.status_code == 403


def test_store_limits_must_name_the_tenants_own_stores(client, member):
    admin = member()
    other = member()
    foreign = client.post(
        f"{API}/stores", headers=other.headers, json={"name": "Theirs", "code": "theirs"}
    ).json()
    staff = member(admin.tenant, role="staff")
    membership_id = _membership_id(client, admin, staff.email)
    response = client.patch(
        f"{API}/members/{membership_id}",
        headers=admin.headers,
        json={"store_ids": [foreign["id"]]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "store_ids"
    admin_limited = client.patch(
        f"{API}/members/{_membership_id(client, admin, admin.email)}",
        headers=admin.headers,
        json={"store_ids": []},
    )
    assert admin_limited.status_code == 422


def test_a_tenant_admin_changes_roles_and_removes_members(client, member):
    admin = member()
    staff = member(admin.tenant, role="staff")
    members = client.get(f"{API}/members", headers=admin.headers).json()
    assert {(m["email"], m["role"]) for m in members["data"]} == {
        (admin.email, "tenant_admin"),
        (staff.email, "staff"),
    }
    staff_id = _membership_id(client, admin, staff.email)
    bad_role = client.patch(
        f"{API}/members/{staff_id}", headers=admin.headers, json={"role": "owner"}
    )
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "role"
    no_role = client.patch(f"{API}/members/{staff_id}", headers=admin.headers, json={"role": None})
    assert no_role.status_code == 422 and no_role.json()["errors"][0]["field"] == "role"
    promoted = client.patch(
        f"{API}/members/{staff_id}", headers=admin.headers, json={"role": "tenant_admin"}
    )
    assert promoted.json()["role"] == "tenant_admin"
    # The promoted member now holds tenancy.manage.
    store = client.post(f"{API}/stores", headers=staff.headers, json={"name": "X", "code": "x"})
    assert store.status_code == 201
    # Staff and users read members but do not change them.
    reader = member(admin.tenant, role="user")
    assert client.get(f"{API}/members", headers=reader.headers).status_code == 200
    denied = client.delete(f"{API}/members/{staff_id}", headers=reader.headers)
    assert denied.status_code == 403
    assert client.delete(f"{API}/members/{staff_id}", headers=admin.headers).status_code == 204
    assert client.get(f"{API}/members/{staff_id}", headers=admin.headers).status_code == 404


def test_the_last_tenant_admin_cannot_be_removed_or_demoted(client, member):
    admin = member()
    admin_id = _membership_id(client, admin, admin.email)
    demote = client.patch(
        f"{API}/members/{admin_id}", headers=admin.headers, json={"role": "staff"}
    )
    assert demote.status_code == 409 and demote.json()["code"] == "last_tenant_admin"
    remove = client.delete(f"{API}/members/{admin_id}", headers=admin.headers)
    assert remove.status_code == 409 and remove.json()["code"] == "last_tenant_admin"
    second = member(admin.tenant)
    # With a second admin, the first may step down.
    stepped = client.patch(
        f"{API}/members/{admin_id}", headers=admin.headers, json={"role": "user"}
    )
    assert stepped.status_code == 200
    second_id = _membership_id(client, second, second.email)
    last = client.delete(f"{API}/members/{second_id}", headers=second.headers)
    assert last.status_code == 409


def test_another_tenants_ids_are_not_found(client, member):
    a = member()
    b = member()
    store = client.post(
        f"{API}/stores", headers=a.headers, json={"name": "A's", "code": "a-store"}
    ).json()
    a_member = _membership_id(client, a, a.email)
    invitation = client.post(
        f"{API}/invitations", headers=a.headers, json={"email": "guest@example.com"}
    ).json()
    for method, path, body in (
        ("GET", f"/stores/{store['id']}", None),
        ("PATCH", f"/stores/{store['id']}", {"name": "Mine now"}),
        ("DELETE", f"/stores/{store['id']}", None),
        ("GET", f"/members/{a_member}", None),
        ("PATCH", f"/members/{a_member}", {"role": "user"}),
        ("DELETE", f"/members/{a_member}", None),
        ("GET", f"/invitations/{invitation['id']}", None),
        ("POST", f"/invitations/{invitation['id']}/revoke", None),
    ):
        response = client.request(method, API + path, headers=b.headers, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # B's lists never show A's rows; A's rows are untouched.
    for path in ("/stores", "/members", "/invitations"):
        text = client.get(API + path, headers=b.headers).text
        assert store["id"] not in text and a_member not in text and invitation["id"] not in text
    assert client.get(f"{API}/stores/{store['id']}", headers=a.headers).json()["name"] == "A's"
    assert (
        client.get(f"{API}/invitations/{invitation['id']}", headers=a.headers).json()["status"]
        == "pending"
    )


def test_a_forged_tenant_header_gives_no_access(client, member):
    a = member()
    b = member()
    forged = {**b.headers, "X-Tenant-ID": str(a.tenant.tenant_id)}
    response = client.get(f"{API}/tenant", headers=forged)
    assert response.status_code in (401, 403, 404)
    assert str(a.tenant.tenant_id) not in response.text or response.status_code != 200
    random_tenant = {**b.headers, "X-Tenant-ID": str(uuid.uuid4())}
    assert client.get(f"{API}/tenant", headers=random_tenant).status_code in (401, 403, 404)


def _membership_id(client, admin, email: str) -> str:
    members = client.get(f"{API}/members", headers=admin.headers, params={"limit": 500}).json()
    return next(m["id"] for m in members["data"] if m["email"] == email)


def test_members_see_the_roles_and_what_each_grants(client, runtime, member):
    admin = member()
    response = client.get(f"{API}/roles", headers=admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 3
    roles = {
        r["role"]: {p["code"]: p["description"] for p in r["permissions"]} for r in body["data"]
    }
    assert [r["role"] for r in body["data"]] == ["tenant_admin", "staff", "user"]
    # What the modules declare, and what a member of each role is granted.
    registry = runtime.registry
    declared = registry.permissions()
    for role, granted in roles.items():
        assert set(granted) == services.role_permissions(registry, role)
        assert all(granted[code] == declared[code].description for code in granted)
    assert roles["tenant_admin"]["tenancy.manage"] == (
        "Change the tenant, its stores, members and invitations"
    )
    assert set(roles["tenant_admin"]) == set(declared)
    assert "tenancy.read" in roles["staff"] and "tenancy.manage" not in roles["staff"]
    assert "tenancy.read" in roles["user"] and "tenancy.manage" not in roles["user"]

    # Reading them needs tenancy.read only: every role has it.
    staff = member(admin.tenant, role="staff")
    assert client.get(f"{API}/roles", headers=staff.headers).json() == body
    assert client.get(f"{API}/roles").status_code == 401
