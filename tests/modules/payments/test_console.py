"""Console: the store's payments, a payment's page with its actions as forms, settings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Browser
from tests.modules.payments.conftest import authorised, start


@pytest.fixture
def admin(app, paying, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(paying.shop.tenant, "tenant_admin")
    with TestClient(app, raise_server_exceptions=False) as client:
        browser = Browser(client)
        browser.sign_in(user.email, password)
        yield browser


def test_the_menu_opens_the_store_s_payments_and_the_settings(admin, client, paying):
    assert "/console/payments/" in admin.menu()
    order = paying.order(("MUG", 1))
    start(client, paying, order.id, "bank_transfer")
    page = admin.get(f"/console/payments/?store={paying.store_id}")
    assert page.status_code == 200, page.text
    assert 'id="payments"' in page.text and "bank transfer" in page.text
    settings = admin.get("/console/payments/settings")
    assert settings.status_code == 200 and "LU280019400644750000" in settings.text
    saved = admin.post(
        "/console/payments/settings/bank-transfer",
        {"account_holder": "Shop", "iban": "LU28 0019 4006 4475 0000", "enabled": "true"},
    )
    assert saved.status_code == 303
    refused = admin.post(
        "/console/payments/settings/bank-transfer", {"account_holder": "Shop", "iban": "nope"}
    )
    assert refused.status_code == 422 and "not an IBAN" in refused.text


def test_a_payment_is_captured_from_its_page_once_however_often_the_form_is_sent(
    admin, client, paying
):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    shown = admin.get(f"/console/payments/{payment['id']}?store={paying.store_id}")
    assert shown.status_code == 200, shown.text
    assert 'id="capture-form"' in shown.text and 'id="cancel-form"' in shown.text
    key = re.search(r'name="key" value="([^"]+)"', shown.text).group(1)  # type: ignore[union-attr]
    action = f"/console/payments/{payment['id']}/capture?store={paying.store_id}"
    for _ in range(2):
        assert admin.post(action, {"key": key, "amount": "30.00"}).status_code == 303
    assert paying.payment(payment["id"]).captured_amount == 3000
    too_much = admin.post(
        action, {"key": "another-key-1", "amount": "99.00"}, follow_redirects=True
    )
    assert too_much.status_code == 200
    assert "Not done" in too_much.text and "still authorised" in too_much.text
    assert paying.payment(payment["id"]).captured_amount == 3000
    page = admin.get(f"/console/payments/{payment['id']}?store={paying.store_id}")
    assert 'id="operations"' in page.text and 'id="refund-form"' in page.text
