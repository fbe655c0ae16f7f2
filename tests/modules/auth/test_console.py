"""The API tokens console page: its form's refusals, by field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Browser, errors_in


@pytest.fixture
def browser(app, make_tenant, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(make_tenant(), "tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        signed_in = Browser(client)
        signed_in.sign_in(user.email, password)
        yield signed_in


def test_the_token_form_names_each_refused_field_and_keeps_what_was_typed(browser):
    browser.get("/console/auth/tokens")

    refused = browser.post(
        "/console/auth/tokens", {"name": "sync", "scopes": ["no.such"], "expires_in_days": "0"}
    )

    assert refused.status_code == 422
    assert errors_in(refused.text) == {
        "expires_in_days": "Expires in days: a number of days from 1 to 3650."
    }
    assert 'value="sync"' in refused.text
    unknown = browser.post("/console/auth/tokens", {"name": "sync", "scopes": ["no.such"]})
    assert unknown.status_code == 422 and "unknown scopes: no.such" in unknown.text
    expiring = browser.post(
        "/console/auth/tokens",
        {"name": "sync", "scopes": ["auth.tokens.manage"], "expires_in_days": "30"},
    )
    assert expiring.status_code == 201 and 'id="token-value"' in expiring.text
