"""Passwords: strength rules, changing one, and resetting a forgotten one by email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from orion.kernel.data.db import utcnow
from orion.kernel.security import hash_token
from orion.modules.auth.models import PasswordResetToken
from tests.helpers import platform_session, unique_email
from tests.modules.auth.helpers import (
    LOGIN,
    ME,
    REFRESH,
    RESET,
    RESET_CONFIRM,
    USERS,
    bearer,
    fields,
    reset_events,
    stored_user,
)

NEW_PASSWORD = "Battery-Staple-42"


def sign_in(client, email, password):
    return client.post(LOGIN, data={"username": email, "password": password})


@pytest.mark.parametrize(
    "password",
    ["Short-1", "onlylettersinhere", "12345678901234", "{email}"],
    ids=["too-short", "all-letters", "all-digits", "the-email"],
)
def test_weak_passwords_are_422_naming_the_password(client, admin_headers, password):
    email = unique_email()

    response = client.post(
        USERS,
        json={"email": email, "password": password.format(email=email)},
        headers=admin_headers,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"
    assert fields(response) == {"password"}


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.com", "a@b", ""])
def test_malformed_emails_are_422_naming_the_email(client, admin_headers, email):
    response = client.post(
        USERS, json={"email": email, "password": "Correct-Horse-9"}, headers=admin_headers
    )

    assert response.status_code == 422
    assert "email" in fields(response)


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(client, make_user):
    user, password = make_user()
    here = sign_in(client, user.email, password).json()
    elsewhere = sign_in(client, user.email, password).json()
    headers = bearer(here["access_token"])

    wrong = client.post(
        f"{ME}/password",
        json={"current_password": "Wrong-password-1", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    weak = client.post(
        f"{ME}/password",
        json={"current_password": password, "new_password": "short"},
        headers=headers,
    )
    changed = client.post(
        f"{ME}/password",
        json={"current_password": password, "new_password": NEW_PASSWORD},
        headers=headers,
    )

    assert wrong.status_code == 400
    assert fields(wrong) == {"current_password"}
    assert weak.status_code == 422
    assert fields(weak) == {"new_password"}
    assert changed.status_code == 204
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 200
    assert sign_in(client, user.email, password).status_code == 401
    # This session goes on; the other one is over.
    assert client.get(ME, headers=headers).status_code == 200
    assert client.get(ME, headers=bearer(elsewhere["access_token"])).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": here["refresh_token"]}).is_success


def test_password_reset_by_emailed_single_use_token(client, runtime, make_user):
    user, password = make_user()
    session_before = sign_in(client, user.email, password).json()

    requested = client.post(RESET, json={"email": user.email.upper()})

    assert requested.status_code == 202
    [event] = reset_events(runtime, user.email)
    token = event["token"]
    assert event["user_id"] == str(user.id)
    with platform_session(runtime) as session:
        row = session.query(PasswordResetToken).filter_by(user_id=user.id).one()
        assert row.token_hash == hash_token(token)  # only the hash is stored
        assert row.token_hash != token
        lifetime = row.expires_at - row.created_at
        assert timedelta(minutes=59) < lifetime <= timedelta(minutes=60)

    confirmed = client.post(RESET_CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})

    assert confirmed.status_code == 204, confirmed.text
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 200
    assert sign_in(client, user.email, password).status_code == 401
    # Every earlier sign-in session ended with the reset.
    refreshed = client.post(REFRESH, json={"refresh_token": session_before["refresh_token"]})
    assert refreshed.status_code == 401

    reused = client.post(RESET_CONFIRM, json={"token": token, "new_password": "Other-Pass-77"})
    assert reused.status_code == 409
    assert reused.json()["code"] == "reset_token_used"
    assert fields(reused) == {"token"}


def test_a_reset_for_an_unknown_email_answers_the_same_and_sends_nothing(client, runtime):
    email = unique_email("ghost")

    response = client.post(RESET, json={"email": email})

    assert response.status_code == 202
    assert reset_events(runtime, email) == []


def test_a_malformed_reset_email_is_422(client):
    response = client.post(RESET, json={"email": "nope"})

    assert response.status_code == 422
    assert fields(response) == {"email"}


def test_an_expired_reset_token_is_refused(client, runtime, make_user):
    user, password = make_user()
    client.post(RESET, json={"email": user.email})
    token = reset_events(runtime, user.email)[-1]["token"]
    with runtime.database.unit_of_work() as session:
        session.execute(
            update(PasswordResetToken)
            .where(PasswordResetToken.user_id == user.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    response = client.post(RESET_CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 410
    assert response.json()["code"] == "reset_token_expired"
    assert fields(response) == {"token"}
    assert sign_in(client, user.email, password).status_code == 200


def test_a_new_reset_request_replaces_the_outstanding_token(client, runtime, make_user):
    user, _ = make_user()
    client.post(RESET, json={"email": user.email})
    client.post(RESET, json={"email": user.email})
    first, second = (event["token"] for event in reset_events(runtime, user.email))

    old = client.post(RESET_CONFIRM, json={"token": first, "new_password": NEW_PASSWORD})
    new = client.post(RESET_CONFIRM, json={"token": second, "new_password": NEW_PASSWORD})

    assert old.status_code == 410
    assert new.status_code == 204


def test_unknown_or_weak_reset_input_is_refused_and_keeps_the_token(client, runtime, make_user):
    user, _ = make_user()
    client.post(RESET, json={"email": user.email})
    token = reset_events(runtime, user.email)[-1]["token"]

    unknown = client.post(RESET_CONFIRM, json={"token": "orp_guess", "new_password": NEW_PASSWORD})
    weak = client.post(RESET_CONFIRM, json={"token": token, "new_password": user.email})

    assert unknown.status_code == 400
    assert unknown.json()["code"] == "reset_token_invalid"
    assert weak.status_code == 422
    assert fields(weak) == {"new_password"}
    # A weak choice did not use the token up.
    ok = client.post(RESET_CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
    assert ok.status_code == 204


def test_passwords_are_stored_as_argon2_hashes(runtime, make_user):
    user, password = make_user()

    stored = stored_user(runtime, user.email)

    assert stored.hashed_password.startswith("$argon2")
    assert password not in stored.hashed_password
