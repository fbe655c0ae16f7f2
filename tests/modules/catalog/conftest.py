"""Fixtures of the catalog tests: a tenant with the module on, one of its stores and a
signed-in admin (`shop`), and small builders of request bodies."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from tests.modules.tenancy.support import signed_in

API = "/api/v1/catalog"
PG_URL = os.environ.get("ORION_TEST_DATABASE_URL")

# With @pytest.mark.postgres: the test needs concurrent transactions (SQLite's are serial).
needs_postgres = pytest.mark.skipif(not PG_URL, reason="needs ORION_TEST_DATABASE_URL (PostgreSQL)")


@dataclass
class Shop:
    tenant: TenantContext
    store: Any
    headers: dict[str, str]
    user_id: uuid.UUID

    @property
    def items(self) -> str:
        return f"{API}/stores/{self.store.id}/items"

    @property
    def categories(self) -> str:
        return f"{API}/stores/{self.store.id}/categories"


def item(sku: str | None = None, **fields: Any) -> dict[str, Any]:
    """A valid ItemCreate body (JSON)."""
    body: dict[str, Any] = {
        "sku": sku or f"SKU-{uuid.uuid4().hex[:8]}",
        "titles": {"en": f"Product {sku or ''}".strip()},
        "price": 1250,
        "status": "active",
    }
    body.update(fields)
    return body


@pytest.fixture
def make_shop(runtime: Runtime, make_tenant, make_store, make_member, enable):  # type: ignore[no-untyped-def]
    """`make_shop(role="tenant_admin", tenant=None)`: a store of a tenant with catalog on,
    and a signed-in member."""

    def make(role: str = "tenant_admin", tenant: TenantContext | None = None) -> Shop:
        tenant = tenant or make_tenant()
        enable("catalog", tenant_id=tenant.tenant_id, platform_id=tenant.platform_id)
        store = make_store(tenant)
        user, _ = make_member(tenant, role=role)
        return Shop(tenant, store, signed_in(runtime, user.id, tenant.tenant_id), user.id)

    return make


@pytest.fixture
def shop(make_shop) -> Shop:  # type: ignore[no-untyped-def]
    return make_shop()


def create(client, shop: Shop, body: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.post(shop.items, json=body, headers=shop.headers)
    assert response.status_code == 201, response.text
    return response.json()


def fields_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [error["field"] for error in response.json().get("errors", [])]
