"""Fixtures of the customers tests: a tenant with a store (customers is a core module, on
for every tenant), its staff signed in for real, and helpers calling the storefront
account routes as a shopper would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime

SHOPPER_PASSWORD = "Shopper-pass-42"


@dataclass
class Shop:
    runtime: Runtime
    client: TestClient
    tenant: TenantContext
    store_id: uuid.UUID
    staff: dict[str, str]

    def work(self):  # type: ignore[no-untyped-def]
        return self.runtime.database.unit_of_work(tenant=self.tenant)

    def api(self, path: str = "") -> str:
        """A staff route of the store's customers."""
        return f"/api/v1/customers/stores/{self.store_id}/customers{path}"

    def public(self, path: str, store_id: uuid.UUID | None = None) -> str:
        """A storefront route of the store."""
        return f"/api/v1/public/customers/stores/{store_id or self.store_id}{path}"

    def register(self, email: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register a shopper through the storefront: the answer (token and customer)."""
        body = {
            "email": email or f"shopper-{uuid.uuid4().hex[:8]}@example.com",
            "password": SHOPPER_PASSWORD,
            "first_name": "Sam",
            "last_name": "Shopper",
            **fields,
        }
        response = self.client.post(self.public("/register"), json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def sign_in(self, email: str, password: str = SHOPPER_PASSWORD, **kwargs: Any) -> Any:
        return self.client.post(
            self.public("/sign-in"), json={"email": email, "password": password}, **kwargs
        )


def bearer(token: str | dict[str, Any]) -> dict[str, str]:
    if isinstance(token, dict):
        token = token["access_token"]
    return {"Authorization": f"Bearer {token}"}


def open_shop(runtime, client, make_tenant, make_store, make_member, login) -> Shop:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    store = make_store(tenant, name="Corner Shop")
    user, password = make_member(tenant, "staff")
    staff = login(user.email, password, tenant_id=tenant.tenant_id)
    return Shop(runtime, client, tenant, store.id, staff)


@pytest.fixture
def shop(runtime, client, make_tenant, make_store, make_member, login) -> Shop:  # type: ignore[no-untyped-def]
    return open_shop(runtime, client, make_tenant, make_store, make_member, login)


@pytest.fixture
def other_shop(runtime, client, make_tenant, make_store, make_member, login) -> Shop:  # type: ignore[no-untyped-def]
    """A second tenant's store."""
    return open_shop(runtime, client, make_tenant, make_store, make_member, login)
