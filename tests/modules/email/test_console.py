"""The email console page: the tenant's SMTP server form, a test send, the message log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Browser, errors_in
from tests.modules.email.conftest import SMTP_PASSWORD, unique_address


@pytest.fixture
def admin_browser(app, email_tenant, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(email_tenant, "tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        browser = Browser(client)
        browser.sign_in(user.email, password)
        yield browser


def test_the_server_form_keeps_what_was_typed_but_never_the_password(admin_browser, plain_smtp):
    assert 'value="587"' in admin_browser.get("/console/email/").text  # the default port
    config = plain_smtp.config(port="smtp", password=SMTP_PASSWORD)

    refused = admin_browser.post("/console/email/config", config)

    assert refused.status_code == 422 and set(errors_in(refused.text)) == {"port"}
    assert 'value="smtp"' in refused.text and SMTP_PASSWORD not in refused.text
    saved = admin_browser.post("/console/email/config", plain_smtp.config())
    assert saved.status_code == 303
    page = admin_browser.get("/console/email/").text
    assert "Mail settings saved." in page and f'value="{plain_smtp.port}"' in page


def test_a_test_send_is_refused_under_its_own_form_then_queued(admin_browser):
    admin_browser.get("/console/email/")

    refused = admin_browser.post("/console/email/test", {"to": "nobody"})

    assert refused.status_code == 422 and set(errors_in(refused.text)) == {"to"}
    to = unique_address()
    queued = admin_browser.post("/console/email/test", {"to": to})
    assert queued.status_code == 303
    page = admin_browser.get("/console/email/").text
    assert f"Test message to {to} queued." in page and to in page
