"""Password reset as a customer lives it: the mail from the store (a real worker sending
to a real SMTP server on loopback), a single-use, expiring token, a new password that ends
every session. The token is stored only as a hash and never sits in plaintext in the
database: not in the outbox, not in the queued mail."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.runtime.models import OutboxEvent
from orion.modules.customers.models import CustomerPasswordResetToken
from orion.modules.email.models import EmailMessage
from tests.modules.customers.conftest import bearer
from tests.modules.email.conftest import (  # noqa: F401 - fixtures
    certificates,
    email_settings,
    enable_email,
    plain_smtp,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("worker", "email_settings")
TOKEN = re.compile(r"ocr_[A-Za-z0-9_-]{20,}")
NEW_PASSWORD = "Fresh-start-2024"


@pytest.fixture
def mailing_shop(shop):  # type: ignore[no-untyped-def]
    enable_email(shop.runtime, shop.tenant)
    return shop


def _reset_token(shop, plain_smtp, email: str) -> str:  # type: ignore[no-untyped-def]  # noqa: F811
    asked = shop.client.post(shop.public("/password-reset"), json={"email": email.upper()})
    assert asked.status_code == 202
    received = plain_smtp.wait_for(email)
    assert "Corner Shop" in received.message["Subject"]
    found = TOKEN.search(received.text)
    assert found, received.text
    return found.group(0)


def test_a_customer_resets_its_password_with_the_mailed_token_once(mailing_shop, plain_smtp):  # noqa: F811
    shop = mailing_shop
    email = f"forgot-{uuid.uuid4().hex[:6]}@example.com"
    signed_up = shop.register(email)
    token = _reset_token(shop, plain_smtp, email)

    confirm = shop.public("/password-reset/confirm")
    weak = shop.client.post(confirm, json={"token": token, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "new_password"
    done = shop.client.post(confirm, json={"token": token, "new_password": NEW_PASSWORD})
    assert done.status_code == 204
    again = shop.client.post(confirm, json={"token": token, "new_password": "Another-one-99"})
    assert again.status_code == 410 and again.json()["code"] == "reset_token_used"

    assert shop.client.get(shop.public("/me"), headers=bearer(signed_up)).status_code == 401
    assert shop.sign_in(email).status_code == 401
    assert shop.sign_in(email, NEW_PASSWORD).status_code == 200


def test_an_expired_or_unknown_token_is_refused(mailing_shop, plain_smtp):  # noqa: F811
    shop = mailing_shop
    email = f"late-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(email)
    token = _reset_token(shop, plain_smtp, email)
    with shop.work() as session:
        session.execute(
            update(CustomerPasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    confirm = shop.public("/password-reset/confirm")
    late = shop.client.post(confirm, json={"token": token, "new_password": NEW_PASSWORD})
    assert late.status_code == 410 and late.json()["code"] == "reset_token_expired"
    unknown = shop.client.post(confirm, json={"token": "ocr_nope", "new_password": NEW_PASSWORD})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "token"
    assert shop.sign_in(email).status_code == 200  # the password did not change


def test_a_token_of_one_store_does_nothing_in_another(mailing_shop, plain_smtp, make_store):  # noqa: F811
    shop = mailing_shop
    email = f"two-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(email)
    token = _reset_token(shop, plain_smtp, email)
    other = make_store(shop.tenant)
    refused = shop.client.post(
        shop.public("/password-reset/confirm", store_id=other.id),
        json={"token": token, "new_password": NEW_PASSWORD},
    )
    assert refused.status_code == 422


def test_a_customer_without_a_password_sets_one_by_a_reset(mailing_shop, plain_smtp):  # noqa: F811
    shop = mailing_shop
    email = f"guest-{uuid.uuid4().hex[:6]}@example.com"
    made = shop.client.post(shop.api(), json={"email": email}, headers=shop.staff)
    assert made.status_code == 201
    assert shop.sign_in(email, NEW_PASSWORD).status_code == 401
    token = _reset_token(shop, plain_smtp, email)
    done = shop.client.post(
        shop.public("/password-reset/confirm"), json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204
    assert shop.sign_in(email, NEW_PASSWORD).json()["customer"]["has_password"] is True


def test_the_token_is_never_stored_in_plaintext(mailing_shop, plain_smtp):  # noqa: F811
    shop = mailing_shop
    email = f"secret-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(email)
    asked = shop.client.post(shop.public("/password-reset"), json={"email": email})
    assert asked.status_code == 202
    with shop.work() as session, all_tenants(session):
        message = session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == email)
        ).one()
        assert message.sensitive
        queued_text = message.body_text or ""
        outbox = [str(row.payload) for row in session.scalars(select(OutboxEvent)).all()]
        digests = session.scalars(select(CustomerPasswordResetToken.token_hash)).all()
    token = TOKEN.search(plain_smtp.wait_for(email).text).group(0)  # type: ignore[union-attr]
    assert token not in queued_text  # encrypted while queued (dropped once sent)
    assert not any(token in payload for payload in outbox)
    assert token not in digests and len(digests[0]) == 64


def test_unknown_addresses_get_the_same_answer_and_no_mail(mailing_shop):
    shop = mailing_shop
    email = f"ghost-{uuid.uuid4().hex[:6]}@example.com"
    asked = shop.client.post(shop.public("/password-reset"), json={"email": email})
    assert asked.status_code == 202
    with shop.work() as session, all_tenants(session):
        assert not session.scalars(
            select(EmailMessage).where(EmailMessage.to_address == email)
        ).all()


def test_reset_mails_are_limited_per_hour(mailing_shop, runtime, monkeypatch):
    shop = mailing_shop
    monkeypatch.setitem(runtime.settings.modules, "customers", {"password_resets_per_hour": 2})
    email = f"spam-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(email)
    for _ in range(4):
        assert (
            shop.client.post(shop.public("/password-reset"), json={"email": email}).status_code
            == 202
        )
    with shop.work() as session, all_tenants(session):
        mails = session.scalars(select(EmailMessage).where(EmailMessage.to_address == email)).all()
    assert len(mails) == 2


def test_without_the_email_module_no_token_is_made(shop):
    email = f"nomail-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(email)
    assert (
        shop.client.post(shop.public("/password-reset"), json={"email": email}).status_code == 202
    )
    with shop.work() as session:
        assert session.scalars(select(CustomerPasswordResetToken)).all() == []
    assert shop.sign_in(email).status_code == 200
