"""Accounts: sign-up when the platform allows it, the caller's own account, administration."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import unique_email
from tests.modules.auth.helpers import LOGIN, ME, REGISTER, USERS, fields

SETTING = "/api/v1/admin/core/settings/auth.registration_open"


@pytest.fixture
def registration(client, admin_headers):
    """Open or close sign-up on the default platform; closed again afterwards."""

    def switch(open_: bool) -> None:
        response = client.put(SETTING, json={"value": open_}, headers=admin_headers)
        assert response.status_code == 200, response.text

    yield switch
    client.delete(SETTING, headers=admin_headers)


def test_sign_up_is_closed_unless_the_platform_opens_it(client, registration):
    body = {"email": unique_email(), "password": "Correct-Horse-9", "full_name": "Ada"}

    closed = client.post(REGISTER, json=body)
    registration(True)
    opened = client.post(REGISTER, json=body)
    registration(False)
    closed_again = client.post(REGISTER, json={**body, "email": unique_email()})

    assert closed.status_code == 403
    assert closed.json()["code"] == "registration_closed"
    assert opened.status_code == 201, opened.text
    assert opened.json()["email"] == body["email"]
    assert opened.json()["full_name"] == "Ada"
    assert "password" not in opened.text and "hashed_password" not in opened.text
    assert closed_again.status_code == 403
    login = client.post(LOGIN, data={"username": body["email"], "password": body["password"]})
    assert login.status_code == 200


def test_sign_up_refuses_bad_input_with_the_field(client, registration, make_user):
    registration(True)
    taken, _ = make_user()

    weak = client.post(REGISTER, json={"email": unique_email(), "password": "abcdefghijk"})
    malformed = client.post(REGISTER, json={"email": "x@", "password": "Correct-Horse-9"})
    duplicate = client.post(
        REGISTER, json={"email": taken.email.upper(), "password": "Correct-Horse-9"}
    )

    assert (weak.status_code, fields(weak)) == (422, {"password"})
    assert (malformed.status_code, fields(malformed)) == (422, {"email"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "email_taken"
    assert fields(duplicate) == {"email"}


def test_a_user_reads_and_updates_their_own_account(client, make_user, login):
    user, password = make_user()
    headers = login(user.email, password)

    me = client.get(ME, headers=headers)
    renamed = client.patch(ME, json={"full_name": "Grace Hopper"}, headers=headers)
    no_password = client.patch(ME, json={"email": unique_email()}, headers=headers)
    no_email = client.patch(ME, json={"email": None}, headers=headers)
    new_email = unique_email("moved")
    moved = client.patch(
        ME, json={"email": new_email.upper(), "current_password": password}, headers=headers
    )

    assert me.status_code == 200
    assert me.json()["id"] == str(user.id)
    assert me.json()["tenant_id"] is None  # no membership anywhere
    assert me.json()["scopes"] is None
    assert renamed.json()["full_name"] == "Grace Hopper"
    assert no_password.status_code == 422
    assert fields(no_password) == {"current_password"}
    assert (no_email.status_code, fields(no_email)) == (422, {"email"})
    assert moved.status_code == 200
    assert moved.json()["email"] == new_email
    signed_in = client.post(LOGIN, data={"username": new_email, "password": password})
    assert signed_in.status_code == 200


def test_operators_list_create_read_and_change_users(client, admin_headers):
    email = unique_email("created")
    created = client.post(
        USERS,
        json={"email": email, "password": "Correct-Horse-9", "full_name": "New One"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]

    listed = client.get(USERS, params={"q": email, "limit": 5}, headers=admin_headers)
    page = client.get(USERS, params={"limit": 1, "offset": 0}, headers=admin_headers)
    read = client.get(f"{USERS}/{user_id}", headers=admin_headers)
    promoted = client.patch(
        f"{USERS}/{user_id}",
        json={"is_superadmin": True, "full_name": "Renamed"},
        headers=admin_headers,
    )
    missing = client.get(f"{USERS}/{uuid.uuid4()}", headers=admin_headers)

    assert listed.json()["count"] == 1
    assert listed.json()["data"][0]["email"] == email
    assert len(page.json()["data"]) == 1
    assert page.json()["count"] >= 2
    assert read.json()["full_name"] == "New One"
    assert promoted.json()["is_superadmin"] is True
    assert promoted.json()["full_name"] == "Renamed"
    # full_name may be cleared, is_active not: the whole change is refused, nothing written.
    nulled = client.patch(
        f"{USERS}/{user_id}", json={"full_name": None, "is_active": None}, headers=admin_headers
    )
    assert nulled.status_code == 422, nulled.text
    assert fields(nulled) == {"is_active"}
    kept = client.get(f"{USERS}/{user_id}", headers=admin_headers).json()
    assert (kept["full_name"], kept["is_active"]) == ("Renamed", True)
    assert missing.status_code == 404
    assert missing.json()["code"] == "user_not_found"
    duplicate = client.post(
        USERS, json={"email": email, "password": "Correct-Horse-9"}, headers=admin_headers
    )
    assert duplicate.status_code == 409


def test_user_administration_is_for_operators_only(client, make_user, login):
    user, password = make_user()
    headers = login(user.email, password)

    assert client.get(USERS).status_code == 401
    assert client.get(USERS, headers=headers).status_code == 403
    assert (
        client.patch(
            f"{USERS}/{user.id}", json={"is_superadmin": True}, headers=headers
        ).status_code
        == 403
    )


def test_the_last_active_superadmin_cannot_be_demoted(runtime):
    from sqlalchemy import update

    from orion.modules.auth import services
    from orion.modules.auth.exceptions import LastSuperadmin
    from orion.modules.auth.models import User
    from orion.modules.auth.schemas import UserUpdate

    with runtime.database.session() as session:  # rolled back: others stay untouched
        session.execute(update(User).values(is_superadmin=False))
        last = services.create_user(
            session, email=unique_email("op"), password="Correct-Horse-9", is_superadmin=True
        )
        with pytest.raises(LastSuperadmin):
            services.update_user(session, last.id, data=UserUpdate(is_active=False))
        second = services.create_user(
            session, email=unique_email("op"), password="Correct-Horse-9", is_superadmin=True
        )
        assert services.update_user(session, last.id, data=UserUpdate(is_superadmin=False))
        with pytest.raises(LastSuperadmin):
            services.update_user(session, second.id, data=UserUpdate(is_superadmin=False))
        session.rollback()


def test_the_user_search_matches_percent_and_underscore_literally(client, admin_headers):
    h = uuid.uuid4().hex[:8]
    people = [
        (f"a_b-{h}@example.com", f"Ada {h} 50% off"),
        (f"axb-{h}@example.com", f"Ada {h} 500 off"),
    ]
    for email, full_name in people:
        created = client.post(
            USERS,
            json={"email": email, "password": "Correct-Horse-9", "full_name": full_name},
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text

    def found(q: str) -> list[str]:
        response = client.get(USERS, params={"q": q}, headers=admin_headers)
        assert response.status_code == 200, response.text
        return sorted(user["email"] for user in response.json()["data"])

    assert found(f"a_b-{h}") == [f"a_b-{h}@example.com"]  # the email
    assert found(f"{h} 50%") == [f"a_b-{h}@example.com"]  # the name
    assert found(f"ADA {h} 50") == [f"a_b-{h}@example.com", f"axb-{h}@example.com"]
