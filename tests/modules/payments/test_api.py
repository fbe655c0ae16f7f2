"""The staff API: provider accounts (secrets sealed, never answered), reads, permissions."""

from __future__ import annotations

from sqlalchemy import select

from orion.modules.payments.models import StripeAccount
from tests.modules.payments.conftest import API, authorised, capture, refund, start


def test_stripe_keys_are_stored_sealed_and_answered_masked(client, paying):
    response = client.put(
        f"{API}/accounts/stripe",
        json={"secret_key": "sk_test_new_key_1234", "publishable_key": "pk_test_2"},
        headers=paying.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["secret_key_hint"].endswith("1234")
    assert "sk_test_new_key_1234" not in response.text
    with paying.shop.work() as session:
        row = session.scalar(select(StripeAccount))
        assert "sk_test_new_key_1234" not in row.secret_key_sealed
        assert paying.shop.runtime.secrets.decrypt(row.secret_key_sealed) == "sk_test_new_key_1234"
    accounts = client.get(f"{API}/accounts", headers=paying.headers).json()
    assert accounts["stripe"]["has_webhook_secret"] is True
    assert accounts["bank_transfer"]["iban"] == "LU280019400644750000"


def test_bad_account_details_are_refused_naming_the_field(client, paying):
    bad_key = client.put(
        f"{API}/accounts/stripe", json={"secret_key": "pk_live_x"}, headers=paying.headers
    )
    assert bad_key.status_code == 422
    assert "secret_key" in bad_key.text
    bad_iban = client.put(
        f"{API}/accounts/bank-transfer",
        json={"account_holder": "X", "iban": "LU280019400644750001"},
        headers=paying.headers,
    )
    assert bad_iban.status_code == 422
    assert "check number" in bad_iban.text
    # Left out, `enabled` is unchanged; null is neither on nor off.
    unsaid = client.put(f"{API}/accounts/stripe", json={"enabled": None}, headers=paying.headers)
    assert unsaid.status_code == 422, unsaid.text
    assert [e["field"] for e in unsaid.json()["errors"]] == ["enabled"]
    assert client.get(f"{API}/accounts", headers=paying.headers).json()["stripe"]["enabled"]


def test_the_bank_note_for_customers_may_span_lines_the_holder_may_not(client, paying):
    note = "Please quote the reference.\nTransfers take one or two working days."
    body = {"account_holder": "Test Shop SARL", "iban": "LU280019400644750000", "note": note}
    saved = client.put(f"{API}/accounts/bank-transfer", json=body, headers=paying.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["note"] == note
    broken = client.put(
        f"{API}/accounts/bank-transfer",
        json={**body, "account_holder": "Test Shop\nSARL"},
        headers=paying.headers,
    )
    assert broken.status_code == 422
    assert [e["field"] for e in broken.json()["errors"]] == ["account_holder"]


def test_staff_capture_but_only_tenant_admins_refund(client, paying, make_member, login):
    user, password = make_member(paying.shop.tenant, "staff")
    staff = login(user.email, password, paying.shop.tenant.tenant_id)
    order = paying.order(("MUG", 1))
    payment = authorised(client, paying, order.id)
    assert (
        capture(
            client, paying.__class__(paying.shop, paying.stripe, staff), payment["id"], "s"
        ).status_code
        == 201
    )
    as_staff = refund(
        client, paying.__class__(paying.shop, paying.stripe, staff), payment["id"], "r", 100
    )
    assert as_staff.status_code == 403
    assert client.put(f"{API}/accounts/stripe", json={}, headers=staff).status_code == 403


def test_payments_of_a_store_and_of_an_order_are_listed(client, paying):
    order = paying.order(("MUG", 1))
    payment = start(client, paying, order.id, "bank_transfer")
    store = client.get(f"{API}/stores/{paying.store_id}/payments", headers=paying.headers)
    assert [p["id"] for p in store.json()["data"]] == [payment["id"]]
    filtered = client.get(
        f"{API}/stores/{paying.store_id}/payments",
        params={"provider": "stripe"},
        headers=paying.headers,
    )
    assert filtered.json()["count"] == 0
    of_order = client.get(
        f"{API}/stores/{paying.store_id}/orders/{order.id}/payments", headers=paying.headers
    )
    assert [p["id"] for p in of_order.json()["data"]] == [payment["id"]]
    detail = client.get(paying.staff_path(payment["id"]), headers=paying.headers)
    assert detail.json()["operations"] == [] and detail.json()["provider"] == "bank_transfer"


def test_staff_start_a_bank_transfer_for_a_phone_order(client, paying):
    order = paying.order(("MUG", 1))
    response = client.post(
        f"{API}/stores/{paying.store_id}/orders/{order.id}/payments",
        json={"provider": "bank_transfer"},
        headers=paying.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["instructions"]["amount"] == 1490
    assert paying.payment(response.json()["id"]).started_by.startswith("user:")
