"""The email API as clients use it: signed in for real (auth), for a real tenant (tenancy),
with mail delivered to SMTP servers on loopback."""

from __future__ import annotations

import uuid

import pytest

from orion.modules.email.models import EmailConfig
from tests.modules.email.conftest import SMTP_PASSWORD, enable_email, stored, unique_address
from tests.modules.email.helpers import settled
from tests.modules.email.test_events import link_in

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def admin_headers(email_tenant, make_member, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user, password = make_member(email_tenant, "tenant_admin")
    return login(user.email, password, tenant_id=email_tenant.tenant_id)


@pytest.fixture
def platform_default(client, operator_headers):  # type: ignore[no-untyped-def]
    """Store a platform default through the admin API; removed again after the test."""
    stored_any = []

    def put(body: dict) -> dict:
        response = client.put("/api/v1/admin/email/config", json=body, headers=operator_headers)
        assert response.status_code == 200, response.text
        stored_any.append(True)
        return response.json()

    yield put
    if stored_any:
        client.delete("/api/v1/admin/email/config", headers=operator_headers)


# -- the tenant's SMTP server ----------------------------------------------------------------


def test_config_crud_never_returns_the_password(
    runtime, client, email_tenant, admin_headers, starttls_smtp
):
    assert client.get("/api/v1/email/config", headers=admin_headers).status_code == 404

    created = client.put("/api/v1/email/config", json=starttls_smtp.config(), headers=admin_headers)

    assert created.status_code == 200, created.text
    body = created.json()
    assert "password" not in body and SMTP_PASSWORD not in created.text
    assert body["has_password"] is True and body["source"] == "tenant"
    assert (body["host"], body["port"], body["tls_mode"]) == (
        "localhost",
        starttls_smtp.port,
        "starttls",
    )
    fetched = client.get("/api/v1/email/config", headers=admin_headers)
    assert fetched.json() == body and SMTP_PASSWORD not in fetched.text
    (row,) = stored(runtime, EmailConfig, EmailConfig.tenant_id == email_tenant.tenant_id)
    assert SMTP_PASSWORD not in row.password_encrypted

    without_password = starttls_smtp.config(from_name="Acme Mail")
    del without_password["password"]
    updated = client.put("/api/v1/email/config", json=without_password, headers=admin_headers)
    assert updated.json()["has_password"] is True and updated.json()["from_name"] == "Acme Mail"

    deleted = client.delete("/api/v1/email/config", headers=admin_headers)
    assert deleted.status_code == 204
    missing = client.get("/api/v1/email/config", headers=admin_headers)
    assert missing.status_code == 404 and missing.json()["code"] == "email_config_not_found"


BAD_CONFIG = [
    ("port", 0),
    ("port", 70000),
    ("port", "smtp"),
    ("from_address", "not-an-address"),
    ("from_address", "a@b@example.com"),
    ("tls_mode", "ssl"),
    ("host", "smtp example.com"),
    ("from_name", "Acme\r\nBcc: victim@example.com"),
]


def test_bad_config_is_refused_naming_the_field(client, admin_headers, plain_smtp):
    for field, value in BAD_CONFIG:
        response = client.put(
            "/api/v1/email/config", json=plain_smtp.config(**{field: value}), headers=admin_headers
        )

        assert response.status_code == 422, (field, value, response.text)
        problem = response.json()
        assert problem["code"] == "validation_failed"
        assert [error["field"] for error in problem["errors"]] == [field], (field, value)
    assert client.get("/api/v1/email/config", headers=admin_headers).status_code == 404


def test_a_staff_member_cannot_configure_mail(client, email_tenant, make_member, login, plain_smtp):
    user, password = make_member(email_tenant, "staff")
    headers = login(user.email, password, tenant_id=email_tenant.tenant_id)

    response = client.put("/api/v1/email/config", json=plain_smtp.config(), headers=headers)

    assert response.status_code == 403


def test_a_tenant_without_the_module_gets_a_clear_refusal(
    client, make_tenant, make_member, login, email_settings
):
    tenant = make_tenant()
    user, password = make_member(tenant, "tenant_admin")
    headers = login(user.email, password, tenant_id=tenant.tenant_id)

    response = client.post("/api/v1/email/test", json={"to": unique_address()}, headers=headers)

    assert response.status_code == 403 and response.json()["code"] == "module_not_enabled"


# -- sending -----------------------------------------------------------------------------------


def test_test_send_is_accepted_delivered_and_listed(
    runtime, client, email_tenant, admin_headers, starttls_smtp
):
    client.put("/api/v1/email/config", json=starttls_smtp.config(), headers=admin_headers)
    to = unique_address()

    accepted = client.post("/api/v1/email/test", json={"to": to}, headers=admin_headers)

    assert accepted.status_code == 202, accepted.text
    queued = accepted.json()
    assert (queued["to"], queued["template"], queued["state"]) == (to, "test", "queued")
    received = starttls_smtp.wait_for(to)
    assert received.message["X-Orion-Message-Id"] == queued["id"]
    settled(runtime, queued["id"])
    one = client.get(f"/api/v1/email/messages/{queued['id']}", headers=admin_headers).json()
    assert (one["state"], one["attempts"], one["sent_via"]) == ("sent", 1, "tenant")
    assert "body_text" not in one and "body_html" not in one
    listed = client.get("/api/v1/email/messages?state=sent", headers=admin_headers).json()
    assert [m["id"] for m in listed["data"]] == [queued["id"]] and listed["count"] == 1
    assert (
        client.get("/api/v1/email/messages?state=failed", headers=admin_headers).json()["count"]
        == 0
    )


def test_a_refused_test_send_shows_failed_with_the_reason(
    runtime, client, admin_headers, plain_smtp
):
    client.put("/api/v1/email/config", json=plain_smtp.config(), headers=admin_headers)

    accepted = client.post(
        "/api/v1/email/test", json={"to": unique_address("refuse")}, headers=admin_headers
    )

    settled(runtime, accepted.json()["id"])
    failed = client.get(
        f"/api/v1/email/messages/{accepted.json()['id']}", headers=admin_headers
    ).json()
    assert failed["state"] == "failed" and "550 5.1.1 mailbox unavailable" in failed["last_error"]


def test_test_sends_are_limited_per_tenant_and_hour(
    client, admin_headers, plain_smtp, email_settings
):
    email_settings["test_sends_per_hour"] = 2
    client.put("/api/v1/email/config", json=plain_smtp.config(), headers=admin_headers)

    answers = [
        client.post("/api/v1/email/test", json={"to": unique_address()}, headers=admin_headers)
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[2].headers["Retry-After"] and answers[2].json()["code"] == "too_many_requests"


def test_a_bad_recipient_is_refused_naming_the_field(client, admin_headers):
    response = client.post("/api/v1/email/test", json={"to": "nobody"}, headers=admin_headers)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["to"]


def test_another_tenants_message_is_not_found(
    client, email_tenant, make_tenant, make_member, login, admin_headers, runtime
):
    accepted = client.post(
        "/api/v1/email/test", json={"to": unique_address()}, headers=admin_headers
    ).json()
    other = make_tenant()
    enable_email(runtime, other)
    user, password = make_member(other, "tenant_admin")
    headers = login(user.email, password, tenant_id=other.tenant_id)

    response = client.get(f"/api/v1/email/messages/{accepted['id']}", headers=headers)
    listed = client.get("/api/v1/email/messages", headers=headers)

    assert response.status_code == 404
    assert accepted["id"] not in listed.text


# -- the platform default -------------------------------------------------------------------------


def test_the_platform_default_is_managed_by_operators_and_used_for_platform_mail(
    runtime,
    client,
    operator_headers,
    admin_headers,
    platform_default,
    email_settings,
    tls_smtp,
):
    deployment = client.get("/api/v1/admin/email/config", headers=operator_headers).json()
    assert deployment["source"] == "settings" and deployment["host"] == email_settings["smtp_host"]

    stored_default = platform_default(tls_smtp.config(from_name="Orion Ops"))
    assert stored_default["source"] == "platform" and stored_default["has_password"] is True
    assert SMTP_PASSWORD not in str(stored_default)
    to = unique_address()
    accepted = client.post("/api/v1/admin/email/test", json={"to": to}, headers=operator_headers)

    assert accepted.status_code == 202, accepted.text
    received = tls_smtp.wait_for(to)
    assert received.message["From"] == "Orion Ops <mailer@orion.example>"
    settled(runtime, accepted.json()["id"])
    platform_mail = client.get(
        "/api/v1/admin/email/messages?platform_only=true", headers=operator_headers
    ).json()
    mine = [m for m in platform_mail["data"] if m["id"] == accepted.json()["id"]]
    assert mine and mine[0]["tenant_id"] is None and mine[0]["sent_via"] == "platform"
    # Tenants never see platform mail.
    assert (
        accepted.json()["id"]
        not in client.get("/api/v1/email/messages", headers=admin_headers).text
    )


def test_a_default_for_an_unknown_platform_is_not_found(client, operator_headers, plain_smtp):
    response = client.put(
        f"/api/v1/admin/email/config?platform_id={uuid.uuid4()}",
        json=plain_smtp.config(),
        headers=operator_headers,
    )

    assert response.status_code == 404


def test_platform_config_routes_are_for_operators_only(client, admin_headers):
    response = client.get("/api/v1/admin/email/config", headers=admin_headers)

    assert response.status_code == 403


# -- mail on other modules' events, through their APIs ------------------------------------


def test_an_invitation_made_in_the_api_is_mailed_and_its_link_accepts_it(
    client, email_tenant, admin_headers, plain_smtp
):
    invitee = unique_address("invitee")

    invited = client.post(
        "/api/v1/tenancy/invitations",
        json={"email": invitee, "role": "staff"},
        headers=admin_headers,
    )

    assert invited.status_code == 201, invited.text
    received = plain_smtp.wait_for(invitee)
    _url, token = link_in(received.text, "/console/invitations/accept")
    assert token == invited.json()["accept_token"]
    accepted = client.post(
        "/api/v1/public/tenancy/invitations/accept",
        json={"token": token, "password": "Invited-Horse-31", "full_name": "New Staff"},
    )
    assert accepted.status_code in (200, 201), accepted.text


def test_a_password_reset_asked_in_the_api_is_mailed_and_its_link_works(
    client, email_tenant, make_user, login, plain_smtp
):
    user, _ = make_user(email=unique_address("forgetful"))

    asked = client.post("/api/v1/public/auth/password-reset", json={"email": user.email})

    assert asked.status_code == 202
    received = plain_smtp.wait_for(user.email)
    _url, token = link_in(received.text, "/console/password-reset")
    confirmed = client.post(
        "/api/v1/public/auth/password-reset/confirm",
        json={"token": token, "new_password": "Reset-Horse-58"},
    )
    assert confirmed.status_code == 204, confirmed.text
    assert login(user.email, "Reset-Horse-58")


def test_every_email_route_needs_a_signed_in_caller(client):
    paths = [
        (op, path)
        for path, item in client.get("/openapi.json").json()["paths"].items()
        if path.startswith(("/api/v1/email", "/api/v1/admin/email"))
        for op in item
    ]

    answers = {
        (op, path): client.request(
            op, path.format(message_id=uuid.uuid4(), tenant_id=uuid.uuid4())
        ).status_code
        for op, path in paths
    }

    # Six for the tenant, the same six for operators acting for a tenant, six platform-wide.
    assert len(answers) == 18
    assert set(answers.values()) == {401}, answers
