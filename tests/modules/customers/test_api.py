"""The staff API of a store's customers: the list with its search, a customer with its
addresses, changes, deactivation, export and erasure; permissions; tokens of the other
audience refused."""

from __future__ import annotations

import uuid

from tests.modules.customers.conftest import bearer


def _new(shop, email: str | None = None, **fields):  # type: ignore[no-untyped-def]
    body = {"email": email or f"c-{uuid.uuid4().hex[:8]}@example.com", **fields}
    response = shop.client.post(shop.api(), json=body, headers=shop.staff)
    assert response.status_code == 201, response.text
    return response.json()


def test_staff_add_a_customer_without_a_password_and_find_it_by_email_or_name(shop):
    ana = _new(shop, "Ana.Lopes@Example.com", first_name="Ana", last_name="Lopes")
    _new(shop, "bruno@example.com", first_name="Bruno", last_name="Diaz")
    assert ana["email"] == "ana.lopes@example.com"
    assert ana["has_password"] is False and ana["name"] == "Ana Lopes"

    listed = shop.client.get(shop.api(), headers=shop.staff).json()
    assert listed["count"] == 2
    assert {row["email"] for row in listed["data"]} == {
        "ana.lopes@example.com",
        "bruno@example.com",
    }
    for search in ("ANA.L", "lopes", "ana lopes"):
        found = shop.client.get(shop.api(), params={"search": search}, headers=shop.staff).json()
        assert [row["email"] for row in found["data"]] == ["ana.lopes@example.com"], search
    # LIKE's wildcards are taken literally.
    none = shop.client.get(shop.api(), params={"search": "%"}, headers=shop.staff).json()
    assert none["count"] == 0


def test_a_duplicate_email_in_another_case_is_refused_naming_email(shop):
    _new(shop, "dup@example.com")
    response = shop.client.post(shop.api(), json={"email": "DUP@Example.com"}, headers=shop.staff)
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "customer_email_taken"
    assert problem["errors"][0]["field"] == "email"
    other = _new(shop, "other@example.com")
    changed = shop.client.patch(
        shop.api(f"/{other['id']}"), json={"email": "Dup@example.com"}, headers=shop.staff
    )
    assert changed.status_code == 409 and changed.json()["errors"][0]["field"] == "email"
    # Names may be cleared, an email or a consent not: refused whole, nothing written.
    nulled = shop.client.patch(
        shop.api(f"/{other['id']}"),
        json={"first_name": None, "email": None, "marketing_consent": None, "is_active": None},
        headers=shop.staff,
    )
    assert nulled.status_code == 422, nulled.text
    assert {e["field"] for e in nulled.json()["errors"]} == {
        "email",
        "marketing_consent",
        "is_active",
    }
    kept = shop.client.get(shop.api(f"/{other['id']}"), headers=shop.staff).json()
    assert (kept["email"], kept["is_active"]) == ("other@example.com", True)


def test_bad_input_names_the_field(shop):
    response = shop.client.post(shop.api(), json={"email": "not-an-address"}, headers=shop.staff)
    assert response.status_code == 422
    assert "email" in response.text
    customer = _new(shop)
    address = shop.client.post(
        shop.api(f"/{customer['id']}/addresses"),
        json={
            "kind": "home",
            "name": "A",
            "line1": "B",
            "postal_code": "1",
            "city": "C",
            "country": "LUX",
        },
        headers=shop.staff,
    )
    assert address.status_code == 422
    fields = {e["field"].split(".")[-1] for e in address.json()["errors"]}
    assert {"kind", "country"} <= fields


def test_a_customer_with_its_addresses(shop):
    customer = _new(shop, first_name="Carla")
    addresses = shop.api(f"/{customer['id']}/addresses")
    body = {
        "kind": "shipping",
        "name": "Carla",
        "line1": "1 Main St",
        "postal_code": "1000",
        "city": "Luxembourg",
        "country": "LU",
    }
    first = shop.client.post(addresses, json=body, headers=shop.staff).json()
    second = shop.client.post(
        addresses, json={**body, "line1": "2 Main St", "is_default": True}, headers=shop.staff
    ).json()
    assert first["is_default"] is True and second["is_default"] is True

    detail = shop.client.get(shop.api(f"/{customer['id']}"), headers=shop.staff).json()
    shipping = {a["id"]: a["is_default"] for a in detail["addresses"]}
    assert shipping == {first["id"]: False, second["id"]: True}

    changed = shop.client.patch(
        f"{addresses}/{first['id']}", json={"city": "Esch", "is_default": True}, headers=shop.staff
    )
    assert changed.status_code == 200 and changed.json()["city"] == "Esch"
    gone = shop.client.delete(f"{addresses}/{first['id']}", headers=shop.staff)
    assert gone.status_code == 204
    left = shop.client.get(addresses, headers=shop.staff).json()
    assert [(a["id"], a["is_default"]) for a in left["data"]] == [(second["id"], True)]
    assert shop.client.get(f"{addresses}/{first['id']}", headers=shop.staff).status_code == 404


def test_deactivating_a_customer_ends_its_sign_in(shop):
    signed_up = shop.register()
    customer = signed_up["customer"]
    me = shop.public("/me")
    assert shop.client.get(me, headers=bearer(signed_up)).status_code == 200

    off = shop.client.post(shop.api(f"/{customer['id']}/deactivate"), headers=shop.staff)
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert shop.client.get(me, headers=bearer(signed_up)).status_code == 401
    refused = shop.sign_in(customer["email"])
    assert refused.status_code == 403 and refused.json()["code"] == "customer_disabled"

    on = shop.client.post(shop.api(f"/{customer['id']}/activate"), headers=shop.staff)
    assert on.json()["is_active"] is True
    assert shop.sign_in(customer["email"]).status_code == 200


def test_staff_export_and_erase_a_customer(shop):
    customer = _new(shop, "erase-me@example.com", first_name="Eve", phone="+352 1")
    exported = shop.client.get(shop.api(f"/{customer['id']}/export"), headers=shop.staff)
    assert exported.status_code == 200
    assert exported.json()["customer"]["email"] == "erase-me@example.com"

    erased = shop.client.post(shop.api(f"/{customer['id']}/erase"), headers=shop.staff)
    assert erased.status_code == 200
    assert erased.json()["email"].endswith("@erased.invalid")
    assert erased.json()["first_name"] is None and erased.json()["phone"] is None
    found = shop.client.get(shop.api(), params={"search": "erase-me"}, headers=shop.staff)
    assert found.json()["count"] == 0
    blocked = shop.client.patch(
        shop.api(f"/{customer['id']}"), json={"first_name": "Eve"}, headers=shop.staff
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "customer_erased"


def test_a_member_without_the_permission_and_a_customer_token_are_refused(shop, make_member, login):
    customer = _new(shop)
    user, password = make_member(shop.tenant, "user")
    member = login(user.email, password, tenant_id=shop.tenant.tenant_id)
    assert shop.client.get(shop.api(), headers=member).status_code == 403
    assert shop.client.post(shop.api(f"/{customer['id']}/erase"), headers=member).status_code == 403

    # A customer's token is of the storefront's audience: no staff route takes it.
    token = bearer(shop.register())
    for method, path in (("GET", shop.api()), ("POST", shop.api(f"/{customer['id']}/erase"))):
        response = shop.client.request(method, path, headers=token)
        assert response.status_code == 401, (method, path, response.text)
    assert shop.client.get("/api/v1/auth/me", headers=token).status_code == 401


def test_another_tenants_customer_is_not_found(shop, other_shop):
    customer = _new(shop)
    other = other_shop.client.get(
        f"/api/v1/customers/stores/{other_shop.store_id}/customers/{customer['id']}",
        headers=other_shop.staff,
    )
    assert other.status_code == 404
    assert (
        shop.client.get(
            f"/api/v1/customers/stores/{shop.store_id}/customers/{customer['id']}",
            headers=other_shop.staff,
        ).status_code
        == 404
    )
