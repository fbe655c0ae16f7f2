"""Signing in and out: the password flow, short-lived access JWTs, rotating refresh tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt

from orion.kernel.data.db import utcnow
from orion.modules.auth.models import LoginFailure, RefreshToken
from tests.modules.auth.helpers import LOGIN, LOGOUT, ME, REFRESH, bearer, refresh_rows


def sign_in(client, email, password):
    return client.post(LOGIN, data={"username": email, "password": password})


def test_login_returns_a_short_lived_access_jwt_and_a_refresh_token(client, runtime, make_user):
    user, password = make_user()

    response = sign_in(client, user.email.upper(), password)  # emails ignore case

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"].startswith("orr_")
    minutes = runtime.settings.access_token_minutes
    assert body["expires_in"] == minutes * 60
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(user.id)
    assert claims["aud"] == "access"
    assert claims["exp"] - claims["iat"] == minutes * 60
    me = client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert me.json()["last_login_at"] is not None


def test_a_wrong_password_or_unknown_email_is_401_without_saying_which(client_at, make_user):
    user, _ = make_user()
    client = client_at()

    wrong_password = sign_in(client, user.email, "Not-The-Password-1")
    unknown = sign_in(client, "nobody-here@example.com", "Not-The-Password-1")

    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"
        assert response.json()["detail"] == "incorrect email or password"


def test_the_login_form_names_missing_fields(client):
    response = client.post(LOGIN, data={"username": "someone@example.com"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


def test_no_token_is_401_and_a_bad_or_expired_jwt_too(client, runtime, make_user):
    user, _ = make_user()
    expired = runtime.jwt.encode(
        {"sub": str(user.id), "aud": "access"}, lifetime=timedelta(seconds=-10)
    )
    wrong_audience = runtime.jwt.encode(
        {"sub": str(user.id), "aud": "refresh"}, lifetime=timedelta(minutes=5)
    )

    assert client.get(ME).status_code == 401
    answer = client.get(ME, headers=bearer(expired))
    assert answer.status_code == 401
    assert answer.json()["code"] == "token_expired"
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert client.get(ME, headers=bearer(wrong_audience)).json()["code"] == "token_invalid"
    assert client.get(ME, headers=bearer("not-a-jwt")).status_code == 401
    assert client.get(ME, headers={"Authorization": "Basic abc"}).status_code == 401


def test_refresh_rotates_the_refresh_token(client, make_user):
    user, password = make_user()
    first = sign_in(client, user.email, password).json()

    second = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})

    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 200
    third = client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert third.status_code == 200


def test_a_reused_refresh_token_revokes_its_whole_family(client, runtime, make_user):
    user, password = make_user()
    stolen = sign_in(client, user.email, password).json()
    other_device = sign_in(client, user.email, password).json()
    rotated = client.post(REFRESH, json={"refresh_token": stolen["refresh_token"]}).json()

    replay = client.post(REFRESH, json={"refresh_token": stolen["refresh_token"]})

    assert replay.status_code == 401
    assert replay.json()["code"] == "refresh_token_reused"
    # The legitimate successor and its access token are dead too: the family is revoked.
    successor = client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert successor.status_code == 401
    assert successor.json()["code"] == "refresh_token_revoked"
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 401
    # Another sign-in session of the same user is a different family and lives on.
    assert client.post(REFRESH, json={"refresh_token": other_device["refresh_token"]}).is_success
    reasons = {row.revoked_reason for row in refresh_rows(runtime, user.id)}
    assert "reuse" in reasons


def test_an_unknown_refresh_token_is_401(client):
    response = client.post(REFRESH, json={"refresh_token": "orr_made-up"})

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_invalid"


def test_logout_revokes_the_session_and_its_access_token(client, make_user):
    user, password = make_user()
    tokens = sign_in(client, user.email, password).json()
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 200

    response = client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 204
    assert client.get(ME, headers=bearer(tokens["access_token"])).json()["code"] == (
        "session_revoked"
    )
    again = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    # Logging out twice (or with a token that means nothing) is harmless.
    assert client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]}).is_success
    assert client.post(LOGOUT, json={"refresh_token": "orr_nothing"}).is_success


def test_a_deactivated_user_is_rejected_everywhere(client, make_user, admin_headers):
    user, password = make_user()
    tokens = sign_in(client, user.email, password).json()

    changed = client.patch(
        f"/api/v1/admin/auth/users/{user.id}", json={"is_active": False}, headers=admin_headers
    )

    assert changed.status_code == 200
    assert changed.json()["is_active"] is False
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    login = sign_in(client, user.email, password)
    assert login.status_code == 401
    assert login.json()["code"] == "account_disabled"


def test_housekeeping_deletes_long_expired_tokens_and_old_failures(runtime, make_user):
    from orion.modules.auth.tasks import purge_expired

    user, _ = make_user()
    long_ago = utcnow() - timedelta(days=8)
    with runtime.database.unit_of_work() as session:
        session.add_all(
            [
                RefreshToken(
                    user_id=user.id,
                    family_id=uuid.uuid4(),
                    token_hash=uuid.uuid4().hex,
                    expires_at=expires,
                )
                for expires in (long_ago, utcnow() + timedelta(days=1))
            ]
        )
        session.add(LoginFailure(key="account:long-ago@example.com", created_at=long_ago))

    with runtime.database.unit_of_work() as session:
        counts = purge_expired(session)

    assert counts["refresh_tokens"] >= 1
    assert counts["login_failures"] >= 1
    [kept] = refresh_rows(runtime, user.id)
    assert kept.expires_at > utcnow()
