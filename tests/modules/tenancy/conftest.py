from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from orion.kernel.data.tenancy import TenantContext
from orion.modules.auth import services as auth
from tests.modules.tenancy.support import signed_in


@dataclass
class Member:
    tenant: TenantContext
    user_id: uuid.UUID
    email: str
    password: str
    headers: dict[str, str]


@pytest.fixture
def member(runtime, make_tenant, make_member):  # type: ignore[no-untyped-def]
    """`member(tenant=None, role="tenant_admin")`: a signed-in member (a new tenant if none)."""

    def make(tenant: TenantContext | None = None, role: str = "tenant_admin") -> Member:
        tenant = tenant or make_tenant()
        user, password = make_member(tenant, role=role)
        headers = signed_in(runtime, user.id, tenant.tenant_id)
        return Member(tenant, user.id, user.email, password, headers)

    return make


@pytest.fixture(scope="session")
def operator(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A platform operator's headers, shared by the tests of this folder."""
    with runtime.database.unit_of_work() as session:
        user = auth.create_user(
            session,
            email=f"operator-{uuid.uuid4().hex[:8]}@example.com",
            password="Operator-Pass-1",
            is_superadmin=True,
        )
    return signed_in(runtime, user.id)
