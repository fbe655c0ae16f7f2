"""A shopper's account on the storefront: register, sign in (throttled), sign out, one's
own details, password and addresses, export and erasure. Customer tokens open this
store's storefront only; staff tokens open none of it."""

from __future__ import annotations

import uuid

from orion.modules.customers.services.common import customers_settings
from tests.modules.customers.conftest import SHOPPER_PASSWORD, bearer


def test_a_shopper_registers_and_is_signed_in(shop):
    signed_up = shop.register("New.Shopper@Example.com", marketing_consent=True)
    assert signed_up["token_type"] == "bearer" and signed_up["expires_in"] > 0
    customer = signed_up["customer"]
    assert customer["email"] == "new.shopper@example.com" and customer["has_password"]
    assert customer["marketing_consent_at"] is not None

    me = shop.client.get(shop.public("/me"), headers=bearer(signed_up))
    assert me.status_code == 200
    assert me.json()["id"] == customer["id"] and me.json()["addresses"] == []
    signed_in = shop.sign_in("NEW.shopper@example.com")
    assert signed_in.status_code == 200
    assert signed_in.json()["customer"]["last_sign_in_at"] is not None


def test_registering_an_email_the_store_knows_in_another_case_is_refused(shop):
    shop.register("taken@example.com")
    again = shop.client.post(
        shop.public("/register"),
        json={"email": "Taken@EXAMPLE.com", "password": SHOPPER_PASSWORD},
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "email"
    # A customer made by staff (no password) sets one through a reset, not a registration.
    staff_made = shop.client.post(
        shop.api(), json={"email": "guest@example.com"}, headers=shop.staff
    )
    assert staff_made.status_code == 201
    claimed = shop.client.post(
        shop.public("/register"), json={"email": "guest@example.com", "password": SHOPPER_PASSWORD}
    )
    assert claimed.status_code == 409 and "password reset" in claimed.json()["detail"]


def test_a_weak_password_is_refused_naming_the_field(shop):
    response = shop.client.post(
        shop.public("/register"), json={"email": "weak@example.com", "password": "short"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(shop):
    shop.register("known@example.com")
    wrong = shop.sign_in("known@example.com", "Wrong-pass-1")
    unknown = shop.sign_in("nobody@example.com", "Wrong-pass-1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"


def test_sign_in_is_throttled_per_account(shop, runtime):
    email = f"throttled-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(email)
    allowed = customers_settings_of(runtime).sign_in_failures_per_account
    for _ in range(allowed):
        assert shop.sign_in(email, "Wrong-pass-1").status_code == 401
    blocked = shop.sign_in(email)  # even the right password waits now
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "sign_in_throttled"
    assert int(blocked.headers["Retry-After"]) > 0
    # Another account from the same address still signs in.
    other = f"fine-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(other)
    assert shop.sign_in(other).status_code == 200


def customers_settings_of(runtime):  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        return customers_settings(session)


def test_sign_in_is_throttled_per_client_address(shop, runtime, monkeypatch):
    monkeypatch.setitem(runtime.settings.modules, "customers", {"sign_in_failures_per_address": 3})
    for _ in range(3):
        email = f"spray-{uuid.uuid4().hex[:6]}@example.com"
        assert shop.sign_in(email, "Wrong-pass-1").status_code == 401
    fresh = shop.register()
    blocked = shop.sign_in(fresh["customer"]["email"])
    assert blocked.status_code == 429
    # The count is per store: the address may still sign in elsewhere.
    other = shop.client.post(
        shop.public("/sign-in", store_id=uuid.uuid4()),
        json={"email": "x@example.com", "password": "Wrong-pass-1"},
    )
    assert other.status_code == 404


def test_signing_out_ends_the_token_at_once(shop):
    first = shop.register()
    second = shop.sign_in(first["customer"]["email"]).json()
    out = shop.client.post(shop.public("/sign-out"), headers=bearer(first))
    assert out.status_code == 204
    assert shop.client.get(shop.public("/me"), headers=bearer(first)).status_code == 401
    assert shop.client.get(shop.public("/me"), headers=bearer(second)).status_code == 200


def test_a_customer_token_opens_its_own_store_only_and_a_staff_token_no_storefront(
    shop, make_store
):
    signed_up = shop.register()
    other_store = make_store(shop.tenant)
    elsewhere = shop.client.get(
        shop.public("/me", store_id=other_store.id), headers=bearer(signed_up)
    )
    assert elsewhere.status_code == 401
    assert elsewhere.json()["code"] == "customer_token_invalid"

    staff = shop.client.get(shop.public("/me"), headers=shop.staff)
    assert staff.status_code == 401
    anonymous = shop.client.get(shop.public("/me"))
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "customer_sign_in_required"
    forged = shop.client.get(shop.public("/me"), headers=bearer("not.a.token"))
    assert forged.status_code == 401


def test_a_customer_changes_its_details_but_not_its_email(shop):
    signed_up = shop.register()
    changed = shop.client.patch(
        shop.public("/me"),
        json={"first_name": "Samira", "phone": "+352 691 000 000", "marketing_consent": True},
        headers=bearer(signed_up),
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "Samira Shopper" and changed.json()["marketing_consent"]
    unsaid = shop.client.patch(
        shop.public("/me"), json={"marketing_consent": None}, headers=bearer(signed_up)
    )
    assert unsaid.status_code == 422, unsaid.text
    assert [e["field"] for e in unsaid.json()["errors"]] == ["marketing_consent"]
    me = shop.client.get(shop.public("/me"), headers=bearer(signed_up)).json()
    assert me["marketing_consent"] is True
    refused = shop.client.patch(
        shop.public("/me"), json={"email": "new@example.com"}, headers=bearer(signed_up)
    )
    assert refused.status_code == 422


def test_a_new_password_ends_the_other_sessions(shop):
    here = shop.register()
    email = here["customer"]["email"]
    elsewhere = shop.sign_in(email).json()
    wrong = shop.client.post(
        shop.public("/me/password"),
        json={"current_password": "Not-it-123", "new_password": "Brand-new-pass-7"},
        headers=bearer(here),
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    changed = shop.client.post(
        shop.public("/me/password"),
        json={"current_password": SHOPPER_PASSWORD, "new_password": "Brand-new-pass-7"},
        headers=bearer(here),
    )
    assert changed.status_code == 204
    assert shop.client.get(shop.public("/me"), headers=bearer(here)).status_code == 200
    assert shop.client.get(shop.public("/me"), headers=bearer(elsewhere)).status_code == 401
    assert shop.sign_in(email).status_code == 401
    assert shop.sign_in(email, "Brand-new-pass-7").status_code == 200


def test_a_customer_keeps_its_own_addresses(shop):
    mine, theirs = shop.register(), shop.register()
    body = {
        "kind": "billing",
        "name": "Sam",
        "line1": "5 rue Neuve",
        "postal_code": "2000",
        "city": "Luxembourg",
        "country": "LU",
    }
    added = shop.client.post(shop.public("/me/addresses"), json=body, headers=bearer(mine))
    assert added.status_code == 201 and added.json()["is_default"] is True
    address = shop.public(f"/me/addresses/{added.json()['id']}")
    assert shop.client.get(address, headers=bearer(theirs)).status_code == 404
    assert shop.client.delete(address, headers=bearer(theirs)).status_code == 404
    moved = shop.client.patch(address, json={"line2": "2nd floor"}, headers=bearer(mine))
    assert moved.json()["line2"] == "2nd floor"
    listed = shop.client.get(shop.public("/me/addresses"), headers=bearer(mine)).json()
    assert listed["count"] == 1
    assert shop.client.delete(address, headers=bearer(mine)).status_code == 204
    assert shop.client.get(shop.public("/me/addresses"), headers=bearer(mine)).json()["count"] == 0


def test_a_customer_exports_its_data_and_erases_itself(shop):
    signed_up = shop.register(phone="+352 1234")
    token = bearer(signed_up)
    shop.client.post(
        shop.public("/me/addresses"),
        json={
            "kind": "shipping",
            "name": "Sam",
            "line1": "1 Way",
            "postal_code": "1",
            "city": "Lux",
            "country": "LU",
        },
        headers=token,
    )
    export = shop.client.get(shop.public("/me/export"), headers=token)
    assert export.status_code == 200
    data = export.json()
    assert data["customer"]["phone"] == "+352 1234"
    assert len(data["addresses"]) == 1 and len(data["sessions"]) == 1
    assert "hashed_password" not in export.text

    wrong = shop.client.post(
        shop.public("/me/erase"), json={"password": "Nope-nope-1"}, headers=token
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "password"
    erased = shop.client.post(
        shop.public("/me/erase"), json={"password": SHOPPER_PASSWORD}, headers=token
    )
    assert erased.status_code == 204
    assert shop.client.get(shop.public("/me"), headers=token).status_code == 401
    assert shop.sign_in(signed_up["customer"]["email"]).status_code == 401
    staff_view = shop.client.get(shop.api(f"/{signed_up['customer']['id']}"), headers=shop.staff)
    assert staff_view.json()["erased_at"] is not None and staff_view.json()["addresses"] == []


def test_an_unknown_store_has_no_storefront(shop):
    response = shop.client.post(
        shop.public("/register", store_id=uuid.uuid4()),
        json={"email": "x@example.com", "password": SHOPPER_PASSWORD},
    )
    assert response.status_code == 404 and response.json()["code"] == "store_not_found"
