"""Helpers of the tenancy tests."""

from __future__ import annotations

import uuid

from orion.kernel.runtime import Runtime
from orion.modules.auth import services as auth


def signed_in(
    runtime: Runtime, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None
) -> dict[str, str]:
    """Headers of a real sign-in session, opened through auth's service (the `login` fixture
    proves the password too, at the price of an Argon2 check)."""
    with runtime.database.unit_of_work() as session:
        user = auth.get_user(session, user_id)
        assert user is not None
        token = auth.issue_tokens(session, user, tenant_id=tenant_id)
    headers = {"Authorization": f"Bearer {token.access_token}"}
    if tenant_id is not None:
        headers["X-Tenant-ID"] = str(tenant_id)
    return headers
