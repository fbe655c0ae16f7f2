"""Invitations: a tenant admin invites an email with a role; the single-use token joins that
tenant (and only that one), creating the account or proving the existing one."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update

from orion.kernel.data.db import utcnow
from orion.kernel.runtime.events import SCRUBBED
from orion.kernel.runtime.models import OutboxEvent
from orion.kernel.security import hash_token
from orion.modules.tenancy.models import Invitation, Membership
from tests.helpers import platform_session, unique_email

API = "/api/v1/tenancy"
ACCEPT = "/api/v1/public/tenancy/invitations/accept"
NEW_PASSWORD = "Brand-New-Pass-42"


def invite(client, admin, email: str, role: str = "staff", **extra):
    response = client.post(
        f"{API}/invitations", headers=admin.headers, json={"email": email, "role": role, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_an_invited_person_joins_with_a_new_account(client, runtime, member, login):
    admin = member()
    email = unique_email("new.person")
    created = invite(client, admin, email.replace("new.person", "New.Person"), role="staff")
    assert created["email"] == email
    assert created["status"] == "pending" and created["role"] == "staff"
    token = created["accept_token"]
    expires_at = datetime.fromisoformat(created["expires_at"])
    assert timedelta(days=6, hours=23) < expires_at - utcnow() <= timedelta(days=7)

    with platform_session(runtime) as session:
        stored = session.get(Invitation, uuid.UUID(created["id"]))
        assert stored.token_hash == hash_token(token)
        assert token not in str({c.name: getattr(stored, c.name) for c in Invitation.__table__.c})
    listed = client.get(f"{API}/invitations", headers=admin.headers).json()
    assert [i["id"] for i in listed["data"]] == [created["id"]]
    assert "accept_token" not in listed["data"][0]

    accepted = client.post(
        ACCEPT, json={"token": token, "password": NEW_PASSWORD, "full_name": "New Person"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() | {"new_user": True, "role": "staff"} == accepted.json()
    assert accepted.json()["tenant_id"] == str(admin.tenant.tenant_id)

    headers = login(email, NEW_PASSWORD)
    tenant = client.get(f"{API}/tenant", headers=headers)
    assert tenant.status_code == 200 and tenant.json()["id"] == str(admin.tenant.tenant_id)
    members = client.get(f"{API}/members", headers=admin.headers).json()
    assert (email, "staff", "New Person") in {
        (m["email"], m["role"], m["full_name"]) for m in members["data"]
    }
    status = client.get(f"{API}/invitations/{created['id']}", headers=admin.headers).json()
    assert status["status"] == "accepted"

    reused = client.post(ACCEPT, json={"token": token, "password": NEW_PASSWORD})
    assert reused.status_code == 409 and reused.json()["code"] == "invitation_used"


def test_the_mail_gets_the_plaintext_token_through_the_event(client, runtime, member):
    if not runtime.events.after_commit.get("tenancy.invitation_created"):
        return  # nobody listens after commit (no email module): the event is not stored
    admin = member()
    email = unique_email("mail-me")
    created = invite(client, admin, email)
    with platform_session(runtime) as session:
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "tenancy.invitation_created")
        ).all()
    event = next(e for e in events if e.payload["invitation_id"] == created["id"])
    payload = event.payload
    # Once delivered to the mail, the token is scrubbed from the stored event.
    expected = created["accept_token"] if event.delivered_at is None else SCRUBBED
    assert payload["token"] == expected
    assert payload["email"] == email
    assert payload["tenant_id"] == str(admin.tenant.tenant_id)
    assert payload["invited_by_email"] == admin.email


def test_an_existing_user_joins_with_their_own_password(client, runtime, member, make_user, login):
    admin = member()
    user, password = make_user()
    created = invite(client, admin, user.email, role="user")

    wrong = client.post(ACCEPT, json={"token": created["accept_token"], "password": "nope"})
    assert wrong.status_code in (401, 403)
    assert wrong.json()["errors"][0]["field"] == "password"
    with platform_session(runtime) as session:
        assert session.scalar(select(Membership).where(Membership.user_id == user.id)) is None
    still = client.get(f"{API}/invitations/{created['id']}", headers=admin.headers).json()
    assert still["status"] == "pending"

    accepted = client.post(ACCEPT, json={"token": created["accept_token"], "password": password})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["new_user"] is False and accepted.json()["user_id"] == str(user.id)
    headers = login(user.email, password, tenant_id=admin.tenant.tenant_id)
    assert client.get(f"{API}/tenant", headers=headers).status_code == 200


def test_an_invitation_only_ever_opens_its_own_tenant(client, member, login):
    a = member()
    b = member()
    email = unique_email("only-a")
    created = invite(client, a, email, role="tenant_admin")
    client.post(ACCEPT, json={"token": created["accept_token"], "password": NEW_PASSWORD})
    headers = login(email, NEW_PASSWORD)
    mine = client.get(f"{API}/my-tenants", headers=headers).json()
    assert [t["tenant_id"] for t in mine["data"]] == [str(a.tenant.tenant_id)]
    into_b = {**headers, "X-Tenant-ID": str(b.tenant.tenant_id)}
    response = client.get(f"{API}/members", headers=into_b)
    assert response.status_code in (401, 403, 404)
    assert b.email not in response.text
    # B's admin cannot see, revoke or reuse A's invitation either.
    url = f"{API}/invitations/{created['id']}"
    assert client.get(url, headers=b.headers).status_code == 404
    assert client.post(f"{url}/revoke", headers=b.headers).status_code == 404


def test_expired_and_revoked_invitations_are_refused(client, runtime, member):
    admin = member()
    email = unique_email("late")
    expired = invite(client, admin, email)
    with runtime.database.unit_of_work() as session:
        session.execute(
            update(Invitation)
            .where(Invitation.id == uuid.UUID(expired["id"]))
            .values(expires_at=utcnow() - timedelta(minutes=1)),
            execution_options={"all_tenants": True},
        )
    response = client.post(
        ACCEPT, json={"token": expired["accept_token"], "password": NEW_PASSWORD}
    )
    assert response.status_code == 410 and response.json()["code"] == "invitation_expired"
    states = client.get(
        f"{API}/invitations", headers=admin.headers, params={"status": "expired"}
    ).json()
    assert [i["id"] for i in states["data"]] == [expired["id"]]
    # An expired invitation does not block a new one for the same email.
    renewed = invite(client, admin, email)

    revoked = client.post(f"{API}/invitations/{renewed['id']}/revoke", headers=admin.headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = client.post(f"{API}/invitations/{renewed['id']}/revoke", headers=admin.headers)
    assert again.status_code == 200  # revoking twice changes nothing
    response = client.post(
        ACCEPT, json={"token": renewed["accept_token"], "password": NEW_PASSWORD}
    )
    assert response.status_code == 410 and response.json()["code"] == "invitation_revoked"
    unknown = client.post(ACCEPT, json={"token": "inv_not-a-real-token", "password": "x"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "invitation_not_found"


def test_a_used_invitation_cannot_be_revoked(client, member):
    admin = member()
    created = invite(client, admin, unique_email("used"))
    client.post(ACCEPT, json={"token": created["accept_token"], "password": NEW_PASSWORD})
    response = client.post(f"{API}/invitations/{created['id']}/revoke", headers=admin.headers)
    assert response.status_code == 409 and response.json()["code"] == "invitation_used"


def test_invitations_refuse_duplicates_and_bad_input(client, member):
    admin = member()
    email = unique_email("twice")
    invite(client, admin, email)
    duplicate = client.post(
        f"{API}/invitations", headers=admin.headers, json={"email": email.upper()}
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "invitation_pending"
    assert duplicate.json()["errors"][0]["field"] == "email"
    existing = client.post(f"{API}/invitations", headers=admin.headers, json={"email": admin.email})
    assert existing.status_code == 409 and existing.json()["code"] == "already_member"
    for body, field in (
        ({"email": "not-an-email"}, "email"),
        ({"email": "ok@example.com", "role": "owner"}, "role"),
        ({"email": "ok@example.com", "store_ids": ["not-a-uuid"]}, "store_ids[0]"),
    ):
        response = client.post(f"{API}/invitations", headers=admin.headers, json=body)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == [field]
    listed = client.get(f"{API}/invitations", headers=admin.headers).json()
    assert listed["count"] == 1  # nothing half-written


def test_a_weak_password_creates_nothing(client, runtime, member):
    admin = member()
    created = invite(client, admin, unique_email("weak"))
    response = client.post(ACCEPT, json={"token": created["accept_token"], "password": "x"})
    assert response.status_code == 422
    assert "password" in [e["field"] for e in response.json()["errors"]]
    status = client.get(f"{API}/invitations/{created['id']}", headers=admin.headers).json()
    assert status["status"] == "pending"
    retry = client.post(ACCEPT, json={"token": created["accept_token"], "password": NEW_PASSWORD})
    assert retry.status_code == 200, retry.text


def test_an_invited_staff_member_is_limited_to_the_given_stores(client, member, login):
    admin = member()
    stores = [
        client.post(
            f"{API}/stores", headers=admin.headers, json={"name": n, "code": n.lower()}
        ).json()
        for n in ("North", "South")
    ]
    foreign_admin = member()
    foreign = client.post(
        f"{API}/stores", headers=foreign_admin.headers, json={"name": "F", "code": "f"}
    ).json()
    email = unique_email("north")
    refused = client.post(
        f"{API}/invitations",
        headers=admin.headers,
        json={"email": email, "role": "staff", "store_ids": [foreign["id"]]},
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "store_ids"
    created = invite(client, admin, email, role="staff", store_ids=[stores[0]["id"]])
    client.post(ACCEPT, json={"token": created["accept_token"], "password": NEW_PASSWORD})
    headers = login(email, NEW_PASSWORD)
    seen = client.get(f"{API}/stores", headers=headers).json()
    assert [s["id"] for s in seen["data"]] == [stores[0]["id"]]


def test_operators_invite_into_any_tenant(client, operator, make_tenant):
    tenant = make_tenant()
    base = f"/api/v1/admin/tenancy/tenants/{tenant.tenant_id}/invitations"
    email = unique_email("owner")
    created = client.post(base, headers=operator, json={"email": email, "role": "tenant_admin"})
    assert created.status_code == 201, created.text
    listed = client.get(base, headers=operator).json()
    assert [i["email"] for i in listed["data"]] == [email]
    accepted = client.post(
        ACCEPT, json={"token": created.json()["accept_token"], "password": NEW_PASSWORD}
    )
    assert accepted.json()["role"] == "tenant_admin"


def test_a_deactivated_account_is_told_so_and_nothing_changes(
    client, runtime, member, make_user, operator
):
    admin = member()
    user, password = make_user()
    created = invite(client, admin, user.email, role="user")
    deactivated = client.patch(
        f"/api/v1/admin/auth/users/{user.id}", json={"is_active": False}, headers=operator
    )
    assert deactivated.status_code == 200, deactivated.text

    # With its right password or a wrong one: the account is deactivated, not mistyped.
    for attempt in (password, "not-the-password"):
        refused = client.post(ACCEPT, json={"token": created["accept_token"], "password": attempt})
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "account_disabled"
        assert "deactivated" in refused.json()["detail"]

    with platform_session(runtime) as session:
        assert session.scalar(select(Membership).where(Membership.user_id == user.id)) is None
    still = client.get(f"{API}/invitations/{created['id']}", headers=admin.headers).json()
    assert still["status"] == "pending"
    account = client.get(f"/api/v1/admin/auth/users/{user.id}", headers=operator).json()
    assert account["is_active"] is False

    # Reactivated, the same invitation works.
    client.patch(f"/api/v1/admin/auth/users/{user.id}", json={"is_active": True}, headers=operator)
    accepted = client.post(ACCEPT, json={"token": created["accept_token"], "password": password})
    assert accepted.status_code == 200, accepted.text
