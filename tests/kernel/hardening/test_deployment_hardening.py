"""Findings of issue 19 on the built-in modules, through the HTTP API as an attacker
would: each answered as a 4xx problem naming the field, or refused outright."""

from __future__ import annotations

import uuid
from datetime import timedelta

LOGIN = "/api/v1/public/auth/login"
ME = "/api/v1/auth/me"
PLANS = "/api/v1/admin/billing/plans"


def test_a_nul_in_the_unauthenticated_sign_in_form_is_a_422_naming_the_field(client):
    response = client.post(
        LOGIN,
        content=b"username=a%00b&password=whatever",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "username"
    assert error["message"] == "Username must not contain a NUL character."


def test_an_oversized_password_reset_request_is_413_not_read(client):
    response = client.post(
        "/api/v1/public/auth/password-reset",
        content=b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'@example.com"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "content_too_large"


def test_a_jwt_signed_with_the_server_key_but_without_a_session_is_refused(
    client, runtime, make_user, login
):
    user, password = make_user()
    headers = login(user.email, password)
    assert client.get(ME, headers=headers).status_code == 200
    forged = runtime.jwt.encode(
        {"sub": str(user.id), "aud": "access"}, lifetime=timedelta(minutes=5)
    )
    response = client.get(ME, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    # Still refused after a sign-out, when nothing could have ended it.
    client.post("/api/v1/public/auth/logout", headers=headers)
    assert client.get(ME, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_explicit_nulls_in_a_plan_patch_are_refused_naming_each_field(client, operator_headers):
    code = f"p{uuid.uuid4().hex[:8]}"
    created = client.post(
        PLANS,
        json={"code": code, "name": "Pro", "price_amount": 1000},
        headers=operator_headers,
    )
    assert created.status_code == 201, created.text
    plan = created.json()["id"]
    for field in ("features", "limits", "sort_order", "included_credits", "trial_days"):
        response = client.patch(f"{PLANS}/{plan}", json={field: None}, headers=operator_headers)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    # Left out, a field is unchanged; a nullable one may still be cleared.
    cleared = client.patch(f"{PLANS}/{plan}", json={"description": None}, headers=operator_headers)
    assert cleared.status_code == 200, cleared.text


def test_multi_line_fields_take_line_breaks_and_single_line_fields_do_not(client, operator_headers):
    code = f"p{uuid.uuid4().hex[:8]}"
    multi = client.post(
        PLANS,
        json={
            "code": code,
            "name": "Team",
            "price_amount": 1000,
            "description": "For teams.\r\nEvery seat\tincluded.",
        },
        headers=operator_headers,
    )
    assert multi.status_code == 201, multi.text
    assert multi.json()["description"] == "For teams.\r\nEvery seat\tincluded."
    escape = client.patch(
        f"{PLANS}/{multi.json()['id']}",
        json={"description": "bell\x07", "name": "Team\u202e"},
        headers=operator_headers,
    )
    assert escape.status_code == 422
    assert {e["field"] for e in escape.json()["errors"]} == {"description", "name"}
    feature = client.patch(
        f"{PLANS}/{multi.json()['id']}",
        json={"features": ["ok", "two\nlines"]},
        headers=operator_headers,
    )
    assert feature.status_code == 422
    assert feature.json()["errors"][0]["field"] == "features[1]"


def test_a_lone_surrogate_in_a_json_setting_value_is_refused(client, operator_headers):
    response = client.put(
        "/api/v1/admin/core/settings/hygiene.surrogate",
        content=b'{"value": "x\\udc00"}',
        headers={**operator_headers, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "value"


def test_a_route_that_accepts_uploads_takes_more_than_the_default_limit(
    client, runtime, make_tenant, make_store, make_member, login, enable, tmp_path, monkeypatch
):
    """messaging's message route declares `accepts_upload()`: a 2 MiB attachment passes the
    kernel's 1 MiB default and reaches the module, which judges it by its bytes."""
    from tests.modules.messaging.conftest import API, PNG, open_conversation, open_desk, post

    monkeypatch.setitem(runtime.settings.modules, "messaging", {"storage_dir": str(tmp_path)})
    desk = open_desk(make_tenant, make_store, make_member, login, enable)
    conversation = open_conversation(client, desk)["id"]
    large = PNG + b"\0" * (2 * 1024 * 1024)
    sent = post(
        client, desk.staff, conversation, "A large label", files=[("l.png", large, "image/png")]
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["attachments"][0]["size"] == len(large)
    # A JSON route of the same module keeps the default.
    refused = client.post(
        f"{API}/conversations",
        content=b'{"subject": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        headers={**desk.staff, "content-type": "application/json"},
    )
    assert refused.status_code == 413
