"""Provider keys: stored sealed, never answered (masked), checked with the provider on
request, chosen for a tenant's calls (its own first, else the platform's), re-sealed by
rotation, and visible to operators masked."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select

from orion.kernel.data.tenancy import all_tenants, set_tenant
from orion.kernel.errors import OrionError
from orion.kernel.security import SecretBox
from orion.modules.api_keys import service
from orion.modules.api_keys.models import AdminApiKey, TenantApiKey
from orion.modules.api_keys.schemas import AdminApiKeyCreate
from tests.modules.api_keys.conftest import BAD_KEY, GOOD_KEY, enable

KEYS = "/api/v1/api_keys/keys"


def stored(runtime, key_id):  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session, all_tenants(session):
        return session.scalar(select(TenantApiKey).where(TenantApiKey.id == key_id))


def test_a_key_is_stored_sealed_and_answered_masked(runtime, client, admin_headers):
    created = client.post(
        KEYS,
        json={"provider": "openai", "name": "main", "api_key": GOOD_KEY},
        headers=admin_headers,
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["masked_key"] == "****abcd" and GOOD_KEY not in created.text
    row = stored(runtime, uuid.UUID(body["id"]))
    assert GOOD_KEY not in row.key_encrypted and row.key_last4 == "abcd"
    listed = client.get(KEYS, headers=admin_headers)
    assert [k["masked_key"] for k in listed.json()["data"]] == ["****abcd"]
    assert GOOD_KEY not in listed.text


def test_a_key_is_checked_with_the_provider_when_asked(
    runtime, client, admin_headers, provider_url
):
    good = client.post(
        KEYS,
        json={
            "provider": "openai_compatible",
            "name": "local",
            "api_key": GOOD_KEY,
            "base_url": provider_url,
            "validate_key": True,
        },
        headers=admin_headers,
    )
    assert good.status_code == 201, good.text
    assert good.json()["last_validated_at"] is not None

    refused = client.post(
        KEYS,
        json={
            "provider": "openai_compatible",
            "name": "other",
            "api_key": BAD_KEY,
            "base_url": provider_url,
            "validate_key": True,
        },
        headers=admin_headers,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "api_key_rejected"
    assert refused.json()["errors"][0]["field"] == "api_key"
    assert len(client.get(KEYS, headers=admin_headers).json()["data"]) == 1

    nowhere = client.post(
        KEYS,
        json={
            "provider": "anthropic",
            "api_key": GOOD_KEY,
            "base_url": "http://127.0.0.1:9/v1",
            "validate_key": True,
        },
        headers=admin_headers,
    )
    assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["field"] == "base_url"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "openai_compatible", "api_key": GOOD_KEY}, "base_url"),
        ({"provider": "mistery", "api_key": GOOD_KEY}, "provider"),
        ({"provider": "openai", "api_key": "short"}, "api_key"),
        ({"provider": "openai", "api_key": GOOD_KEY, "base_url": "not a url"}, "base_url"),
    ],
)
def test_bad_input_names_the_field(client, admin_headers, body, field):
    response = client.post(KEYS, json=body, headers=admin_headers)
    assert response.status_code == 422
    assert any(field in error["field"] for error in response.json()["errors"]), response.text


def test_a_change_may_leave_fields_out_but_not_null_them(client, admin_headers, operator_headers):
    created = client.post(
        KEYS,
        json={"provider": "openai", "name": "main", "api_key": GOOD_KEY},
        headers=admin_headers,
    ).json()
    url = f"{KEYS}/{created['id']}"
    for field in ("name", "api_key", "is_active"):
        refused = client.patch(url, json={field: None}, headers=admin_headers)
        assert refused.status_code == 422, (field, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    kept = client.get(url, headers=admin_headers).json()
    assert (kept["name"], kept["masked_key"], kept["is_active"]) == ("main", "****abcd", True)

    platform_keys = "/api/v1/admin/api_keys/keys"
    name = f"shared-{uuid.uuid4().hex[:6]}"
    shared = client.post(
        platform_keys,
        json={"provider": "anthropic", "name": name, "api_key": GOOD_KEY},
        headers=operator_headers,
    ).json()
    try:
        refused = client.patch(
            f"{platform_keys}/{shared['id']}",
            json={"name": "not saved", "allow_tenants": None},
            headers=operator_headers,
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["allow_tenants"]
        listed = client.get(platform_keys, headers=operator_headers).json()["data"]
        [row] = [k for k in listed if k["id"] == shared["id"]]
        assert (row["name"], row["allow_tenants"]) == (name, True)
    finally:
        client.delete(f"{platform_keys}/{shared['id']}", headers=operator_headers)


def test_one_name_per_provider(client, admin_headers):
    body = {"provider": "openai", "name": "main", "api_key": GOOD_KEY}
    assert client.post(KEYS, json=body, headers=admin_headers).status_code == 201
    again = client.post(KEYS, json=body, headers=admin_headers)
    assert again.status_code == 409 and again.json()["code"] == "api_key_name_taken"


def test_staff_cannot_see_or_store_keys(client, tenant, make_member, login):
    user, password = make_member(tenant, "staff")
    staff = login(user.email, password, tenant_id=tenant.tenant_id)
    assert client.get(KEYS, headers=staff).status_code == 403


def test_the_tenants_own_key_comes_first_then_the_platforms(runtime, make_tenant):
    tenant = make_tenant()
    enable(runtime, tenant)
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        with pytest.raises(OrionError) as nothing:
            service.resolve_key(session, tenant, "anthropic")
    assert nothing.value.code == "no_provider_key"

    platform_key = f"sk-platform-{uuid.uuid4().hex[:8]}pppp"
    with runtime.database.unit_of_work() as session:
        shared = service.create_admin_key(
            session,
            tenant.platform_id,
            data=AdminApiKeyCreate(
                provider="anthropic",
                name=f"p-{uuid.uuid4().hex[:6]}",
                api_key=SecretStr(platform_key),
            ),
        )
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        resolved = service.resolve_key(session, tenant, "anthropic")
    assert (resolved.source, resolved.api_key.get_secret_value()) == ("platform", platform_key)
    assert resolved.base_url == "https://api.anthropic.com/v1"

    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        from orion.modules.api_keys.schemas import TenantApiKeyCreate

        own = service.create_tenant_key(
            session,
            tenant,
            data=TenantApiKeyCreate(provider="anthropic", api_key=SecretStr(GOOD_KEY)),
        )
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        resolved = service.resolve_key(session, tenant, "anthropic")
    assert (resolved.source, resolved.key_id) == ("tenant", own.id)
    assert stored(runtime, own.id).last_used_at is not None

    with runtime.database.unit_of_work() as session:  # the platform stops sharing it
        shared_row = session.get(AdminApiKey, shared.id)
        shared_row.allow_tenants = False
        set_tenant(session, tenant)
        service.delete_tenant_key(session, tenant, own.id)
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        with pytest.raises(OrionError):
            service.resolve_key(session, tenant, "anthropic")


def test_operators_see_every_tenants_keys_masked(client, admin_headers, tenant, operator_headers):
    client.post(KEYS, json={"provider": "openai", "api_key": GOOD_KEY}, headers=admin_headers)
    seen = client.get(
        "/api/v1/admin/api_keys/tenant-keys",
        params={"tenant_id": str(tenant.tenant_id)},
        headers=operator_headers,
    )
    assert seen.status_code == 200
    assert [(k["tenant_id"], k["masked_key"]) for k in seen.json()["data"]] == [
        (str(tenant.tenant_id), "****abcd")
    ]
    assert GOOD_KEY not in seen.text


def test_rotation_reseals_every_key_with_the_newest_key(
    runtime, client, admin_headers, monkeypatch
):
    created = client.post(
        KEYS, json={"provider": "openai", "api_key": GOOD_KEY}, headers=admin_headers
    ).json()
    before = stored(runtime, uuid.UUID(created["id"])).key_encrypted
    current, new_key = _current_keys(runtime), Fernet.generate_key().decode()

    def use(*keys: SecretStr) -> None:
        monkeypatch.setattr(runtime.settings, "encryption_keys", list(keys))
        monkeypatch.setitem(runtime.__dict__, "secrets", SecretBox(runtime.settings))

    use(SecretStr(new_key), *current)  # the new key seals, the old ones still open
    with runtime.database.unit_of_work() as session:
        assert service.rotate_secrets(session) >= 1
    after = stored(runtime, uuid.UUID(created["id"])).key_encrypted
    assert after != before
    assert Fernet(new_key).decrypt(after.encode()).decode() == GOOD_KEY

    use(*current, SecretStr(new_key))  # back to the suite's key, the same way
    with runtime.database.unit_of_work() as session:
        service.rotate_secrets(session)


def _current_keys(runtime) -> list[SecretStr]:  # type: ignore[no-untyped-def]
    """The keys the suite seals with: configured ones, else the one derived from the secret
    key (as the kernel's SecretBox derives it)."""
    if runtime.settings.encryption_keys:
        return list(runtime.settings.encryption_keys)
    secret = runtime.settings.secret_key.get_secret_value().encode()
    digest = hashlib.sha256(b"orion-secret-box:" + secret).digest()
    return [SecretStr(base64.urlsafe_b64encode(digest).decode())]
