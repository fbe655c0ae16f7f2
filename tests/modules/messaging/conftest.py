"""Fixtures of the messaging tests: a tenant with messaging on (email and tenancy come
with it), a store, signed-in staff, and attachment files kept in this test's folder."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from orion.kernel.data.tenancy import TenantContext

API = "/api/v1/messaging"
# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


@dataclass
class Desk:
    tenant: TenantContext
    store_id: uuid.UUID
    staff: dict[str, str]  # headers
    colleague: dict[str, str]
    staff_id: uuid.UUID


@pytest.fixture
def messaging_settings(runtime, tmp_path, monkeypatch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {"storage_dir": str(tmp_path / "files")}
    monkeypatch.setitem(runtime.settings.modules, "messaging", values)
    return values


def open_desk(make_tenant, make_store, make_member, login, enable, tenant=None) -> Desk:  # type: ignore[no-untyped-def]
    tenant = tenant or make_tenant()
    enable("messaging", tenant_id=tenant.tenant_id)
    store = make_store(tenant, name="Desk Shop")
    user, password = make_member(tenant, "staff")
    other, other_password = make_member(tenant, "tenant_admin")
    return Desk(
        tenant=tenant,
        store_id=store.id,
        staff=login(user.email, password, tenant_id=tenant.tenant_id),
        colleague=login(other.email, other_password, tenant_id=tenant.tenant_id),
        staff_id=user.id,
    )


@pytest.fixture
def desk(make_tenant, make_store, make_member, login, enable, messaging_settings) -> Desk:  # type: ignore[no-untyped-def]
    return open_desk(make_tenant, make_store, make_member, login, enable)


def open_conversation(client, desk: Desk, **fields: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {
        "kind": "customer",
        "store_id": str(desk.store_id),
        "subject": "Where is my parcel?",
        "customer_email": "ana@example.com",
        "customer_name": "Ana",
        "body": "Hello Ana, we are looking into it.",
        **fields,
    }
    response = client.post(f"{API}/conversations", json=body, headers=desk.staff)
    assert response.status_code == 201, response.text
    return response.json()


def post(client, headers, conversation_id, body="Hi", files=(), **data):  # type: ignore[no-untyped-def]
    return client.post(
        f"{API}/conversations/{conversation_id}/messages",
        data={"body": body, **data},
        files=[("files", f) for f in files] or None,
        headers=headers,
    )


def unread_of(client, headers, conversation_id) -> int:  # type: ignore[no-untyped-def]
    listing = client.get(f"{API}/conversations", headers=headers).json()
    (row,) = [c for c in listing["data"] if c["id"] == conversation_id]
    return row["unread"]
