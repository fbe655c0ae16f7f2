"""API access tokens: created for the caller's tenant with scopes, shown once, stored hashed,
tracked, revocable; and how a signed-in user's tenant and permissions are resolved."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import inspect, update

from orion.kernel.data.db import utcnow
from orion.kernel.security import hash_token
from orion.modules.auth.models import AccessToken
from tests.modules.auth.helpers import ME, TOKENS, access_token_row, bearer, fields

# Granted to every tenant role by the auth and tenancy modules.
MANAGE = "auth.tokens.manage"


@pytest.fixture
def admin_of(make_tenant, make_member, login):
    """A new tenant and the headers of its tenant_admin."""

    def make():
        tenant = make_tenant()
        user, password = make_member(tenant, role="tenant_admin")
        return tenant, user, login(user.email, password, tenant_id=tenant.tenant_id)

    return make


def create_token(client, headers, **body):
    body.setdefault("name", "ci")
    body.setdefault("scopes", [MANAGE])
    return client.post(TOKENS, json=body, headers=headers)


def test_the_token_is_shown_once_and_stored_only_as_a_hash(client, runtime, admin_of):
    tenant, user, headers = admin_of()

    created = create_token(client, headers, name="deploy bot", scopes=[MANAGE, MANAGE])

    assert created.status_code == 201, created.text
    body = created.json()
    token = body["token"]
    assert token.startswith("orn_")
    assert body["prefix"] == token[:8]
    assert body["scopes"] == [MANAGE]
    assert body["tenant_id"] == str(tenant.tenant_id)
    row = access_token_row(runtime, body["id"])
    assert row.token_hash == hash_token(token)
    stored = {
        column.key: getattr(row, column.key) for column in inspect(AccessToken).mapper.column_attrs
    }
    assert all(token not in str(value) for value in stored.values())
    listed = client.get(TOKENS, headers=headers).json()
    assert listed["count"] == 1
    assert listed["data"][0]["prefix"] == token[:8]
    assert "token" not in listed["data"][0]
    assert token not in str(listed)
    assert user.id == row.user_id


def test_an_access_token_signs_in_and_its_last_use_is_tracked(client, runtime, admin_of):
    tenant, _, headers = admin_of()
    created = create_token(client, headers).json()
    assert access_token_row(runtime, created["id"]).last_used_at is None

    me = client.get(ME, headers=bearer(created["token"]))

    assert me.status_code == 200, me.text
    assert me.json()["tenant_id"] == str(tenant.tenant_id)
    assert me.json()["scopes"] == [MANAGE]
    assert me.json()["permissions"] == [MANAGE]
    first_use = access_token_row(runtime, created["id"]).last_used_at
    assert first_use is not None
    # Recorded at most once a minute...
    client.get(ME, headers=bearer(created["token"]))
    assert access_token_row(runtime, created["id"]).last_used_at == first_use
    # ...and again once that minute has passed.
    with runtime.database.unit_of_work() as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.id == uuid.UUID(created["id"]))
            .values(last_used_at=utcnow() - timedelta(minutes=2))
            .execution_options(all_tenants=True)
        )
    # The server remembers the verified token for a while: that minute passed for it too.
    later = time.time() + 120
    runtime.principals.clock = lambda: later
    client.get(ME, headers=bearer(created["token"]))
    assert access_token_row(runtime, created["id"]).last_used_at > first_use


def test_scopes_limit_what_a_token_may_do(client, admin_of):
    _, _, headers = admin_of()
    reader = create_token(client, headers, scopes=["tenancy.read"]).json()["token"]
    manager = create_token(client, headers, scopes=[MANAGE, "tenancy.read"]).json()["token"]

    # The reader token lacks auth.tokens.manage, which its user has.
    refused = client.get(TOKENS, headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["permission"] == MANAGE
    assert client.get(TOKENS, headers=bearer(manager)).status_code == 200
    # A token can only hand out what it holds itself.
    wider = create_token(client, bearer(manager), scopes=["tenancy.manage"])
    assert wider.status_code == 422
    assert fields(wider) == {"scopes"}
    narrower = create_token(client, bearer(manager), scopes=["tenancy.read"])
    assert narrower.status_code == 201
    # And it cannot change the account it belongs to.
    assert client.patch(ME, json={"full_name": "x"}, headers=bearer(manager)).status_code == 403


def test_scopes_must_be_known_and_held_by_the_user(client, make_tenant, make_member, login):
    tenant = make_tenant()
    user, password = make_member(tenant, role="user")
    headers = login(user.email, password, tenant_id=tenant.tenant_id)

    unknown = create_token(client, headers, scopes=["nothing.like.this"])
    not_held = create_token(client, headers, scopes=["tenancy.manage"])
    empty = create_token(client, headers, scopes=[])
    held = create_token(client, headers, scopes=["tenancy.read"])

    assert unknown.status_code == 422
    assert fields(unknown) == {"scopes"}
    assert "nothing.like.this" in unknown.json()["detail"]
    assert not_held.status_code == 422
    assert fields(not_held) == {"scopes"}
    assert empty.status_code == 422
    assert fields(empty) == {"scopes"}
    assert held.status_code == 201


def test_revoked_and_expired_tokens_are_401(client, runtime, admin_of):
    _, _, headers = admin_of()
    revoked = create_token(client, headers).json()
    expiring = create_token(
        client, headers, expires_at=(utcnow() + timedelta(hours=1)).isoformat()
    ).json()
    assert client.get(ME, headers=bearer(revoked["token"])).status_code == 200

    deleted = client.delete(f"{TOKENS}/{revoked['id']}", headers=headers)
    with runtime.database.unit_of_work() as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.id == uuid.UUID(expiring["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
            .execution_options(all_tenants=True)
        )

    assert deleted.status_code == 204
    answer = client.get(ME, headers=bearer(revoked["token"]))
    assert (answer.status_code, answer.json()["code"]) == (401, "token_revoked")
    answer = client.get(ME, headers=bearer(expiring["token"]))
    assert (answer.status_code, answer.json()["code"]) == (401, "token_expired")
    assert client.get(ME, headers=bearer("orn_not-a-real-token")).status_code == 401
    assert access_token_row(runtime, revoked["id"]).revoked_at is not None


def test_an_expiry_in_the_past_is_refused(client, admin_of):
    _, _, headers = admin_of()

    response = create_token(client, headers, expires_at="2001-01-01T00:00:00Z")

    assert response.status_code == 422
    assert fields(response) == {"expires_at"}


def test_another_tenants_token_is_not_found(client, admin_of):
    _, _, headers_a = admin_of()
    _, _, headers_b = admin_of()
    token_a = create_token(client, headers_a).json()

    assert client.delete(f"{TOKENS}/{token_a['id']}", headers=headers_b).status_code == 404
    assert client.get(TOKENS, headers=headers_b).json()["count"] == 0
    assert client.get(ME, headers=bearer(token_a["token"])).status_code == 200
    # A token acts in its own tenant only, whatever tenant the caller names.
    elsewhere = {**bearer(token_a["token"]), "X-Tenant-ID": headers_b["X-Tenant-ID"]}
    assert client.get(ME, headers=elsewhere).status_code == 403
    own = {**bearer(token_a["token"]), "X-Tenant-ID": headers_a["X-Tenant-ID"]}
    assert client.get(ME, headers=own).status_code == 200


def test_a_token_stops_working_when_its_user_leaves_the_tenant_or_is_deactivated(
    client, runtime, make_tenant, make_member, login, admin_headers
):
    from orion.modules.tenancy import services as tenancy

    tenant = make_tenant()
    leaver, password = make_member(tenant, role="staff")
    stayer, stayer_password = make_member(tenant, role="staff")
    leaving = create_token(client, login(leaver.email, password, tenant.tenant_id)).json()
    staying = create_token(client, login(stayer.email, stayer_password, tenant.tenant_id)).json()
    with runtime.database.unit_of_work() as session:
        members, _ = tenancy.list_members(session, tenant)
        membership = next(m for m in members if m.user_id == leaver.id)
        tenancy.remove_member(session, tenant, membership.id)

    left = client.get(ME, headers=bearer(leaving["token"]))
    assert (left.status_code, left.json()["code"]) == (401, "token_invalid")

    client.patch(
        f"/api/v1/admin/auth/users/{stayer.id}", json={"is_active": False}, headers=admin_headers
    )
    disabled = client.get(ME, headers=bearer(staying["token"]))
    assert (disabled.status_code, disabled.json()["code"]) == (401, "account_disabled")


# -- the tenant of a signed-in user --------------------------------------------------------------


def test_a_member_acts_in_their_tenant_with_their_roles_permissions(
    client, make_tenant, make_member, login
):
    tenant = make_tenant()
    user, password = make_member(tenant, role="staff")

    me = client.get(ME, headers=login(user.email, password)).json()

    assert me["tenant_id"] == str(tenant.tenant_id)
    assert me["role"] == "staff"
    assert {MANAGE, "tenancy.read"} <= set(me["permissions"])
    assert "tenancy.manage" not in me["permissions"]
    assert me["scopes"] is None


def test_x_tenant_id_picks_the_tenant_and_refuses_strangers(
    client, runtime, make_tenant, make_member, login, admin_headers
):
    from orion.modules.tenancy import services as tenancy

    first, second = make_tenant(), make_tenant()
    user, password = make_member(first, role="staff")
    with runtime.database.unit_of_work() as session:
        tenancy.add_member(session, second, user_id=user.id, role="tenant_admin")
    headers = login(user.email, password)

    default = client.get(ME, headers=headers).json()
    chosen = client.get(ME, headers={**headers, "X-Tenant-ID": str(second.tenant_id)}).json()
    stranger = client.get(ME, headers={**headers, "X-Tenant-ID": str(make_tenant().tenant_id)})
    garbage = client.get(ME, headers={**headers, "X-Tenant-ID": "not-a-uuid"})
    as_operator = client.get(
        ME, headers={**admin_headers, "X-Tenant-ID": str(first.tenant_id)}
    ).json()

    assert default["tenant_id"] == str(first.tenant_id)
    assert (chosen["tenant_id"], chosen["role"]) == (str(second.tenant_id), "tenant_admin")
    assert "tenancy.manage" in chosen["permissions"]
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "not_a_member"
    assert garbage.status_code == 401
    assert as_operator["tenant_id"] == str(first.tenant_id)
    assert as_operator["is_superadmin"] is True
