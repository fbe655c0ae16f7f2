"""Small helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.runtime import Runtime

PASSWORD = "Correct-Horse-9"  # what `make_user` and `make_member` give their users
# The test kit's header authenticator (tests/testkit.py): an operator, a tenant's member.
OPERATOR = {"X-Test-Superadmin": "1"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def tenant_headers(tenant: TenantContext, *permissions: str) -> dict[str, str]:
    return {"X-Test-Tenant": str(tenant.tenant_id), "X-Test-Permissions": ",".join(permissions)}


@contextmanager
def platform_session(runtime: Runtime) -> Iterator[Session]:
    """A read-only look at the stored rows of every tenant."""
    session = runtime.database.session()
    try:
        with all_tenants(session):
            yield session
    finally:
        session.close()  # rolls back; what was read stays readable


def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> bool:
    """Poll until `predicate()` is true (work done by a worker) or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def make_probe_role(connection, role: str, tables: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """An ordinary PostgreSQL role (no superuser, no BYPASSRLS) that row-level security
    binds, with SELECT on `tables`; the connecting role may `SET ROLE` to it (granted
    membership: needed when the suite itself connects as an ordinary role)."""
    from sqlalchemy import text

    connection.execute(
        text(
            f"DO $$ BEGIN CREATE ROLE {role} NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    )
    connection.execute(text(f"GRANT {role} TO CURRENT_USER"))
    if tables:
        connection.execute(text(f"GRANT SELECT ON {', '.join(tables)} TO {role}"))
