"""Fixtures for tests that sign in for real: the built-in modules only, no testkit.

`id_runtime` has its own database; `make_user`, `id_make_tenant` and `make_member` build
data through the modules' services; `login` signs in through the API like a client would.
The kernel's own `make_tenant` (testkit) keeps its name; the identity modules' test folders
rename `id_make_tenant` to `make_tenant` in their conftest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.app import create_app
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime, build_runtime
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.kernel.runtime.worker import EmbeddedWorker, create_celery
from orion.kernel.tooling import migrate
from tests.conftest import drop_database, fresh_database_url, make_settings

PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="session")
def id_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    url = fresh_database_url(tmp_path_factory.mktemp("identity"), "identity")
    runtime = build_runtime(make_settings(url, extra_modules=[], providers={}))
    migrate.upgrade(runtime)
    create_celery(runtime=runtime)
    yield runtime
    runtime.close()
    drop_database(url)


# Module scope: Celery's worker optimisations are process-wide, so two embedded workers
# (the kernel suite's and the identity suite's, on different apps) must not overlap.
@pytest.fixture(scope="module")
def id_worker(id_runtime: Runtime) -> Iterator[EmbeddedWorker]:
    assert id_runtime.celery is not None
    # Tasks left by tests that ran no worker: on Redis this runtime's own (its key prefix);
    # the in-memory broker's queues are shared by every app in the process.
    id_runtime.celery.control.purge()
    with EmbeddedWorker(id_runtime.celery, beat=False) as embedded:
        yield embedded


@pytest.fixture(scope="session")
def id_app(id_runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime=id_runtime, embedded_worker=False)


@pytest.fixture
def id_client(id_app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(id_app, raise_server_exceptions=False) as client:
        yield client


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture
def make_user(id_runtime: Runtime):  # type: ignore[no-untyped-def]
    from orion.modules.auth import service as auth

    def make(email: str | None = None, password: str = PASSWORD, superadmin: bool = False):
        with id_runtime.database.unit_of_work() as session:
            user = auth.create_user(
                session,
                email=email or unique_email(),
                password=password,
                full_name="Test User",
                is_superadmin=superadmin,
            )
        return user, password

    return make


@pytest.fixture
def id_make_tenant(id_runtime: Runtime):  # type: ignore[no-untyped-def]
    """`make_tenant` in the identity test folders (their conftest renames it)."""
    from orion.modules.tenancy import service as tenancy
    from orion.modules.tenancy.schemas import TenantCreate

    def make(name: str | None = None, platform_id: uuid.UUID = DEFAULT_PLATFORM_ID):
        name = name or f"Tenant {uuid.uuid4().hex[:6]}"
        with id_runtime.database.unit_of_work() as session:
            tenant = tenancy.create_tenant(session, platform_id, data=TenantCreate(name=name))
            return TenantContext(tenant.id, tenant.platform_id)

    return make


@pytest.fixture
def make_member(id_runtime: Runtime, make_user):  # type: ignore[no-untyped-def]
    from orion.modules.tenancy import service as tenancy

    def make(tenant: TenantContext, role: str = "tenant_admin", email: str | None = None):
        user, password = make_user(email=email)
        with id_runtime.database.unit_of_work() as session:
            tenancy.add_member(session, tenant, user_id=user.id, role=role)
        return user, password

    return make


@pytest.fixture
def login(id_client: TestClient):  # type: ignore[no-untyped-def]
    def sign_in(email: str, password: str = PASSWORD, tenant_id: uuid.UUID | None = None):
        response = id_client.post(
            "/api/v1/public/auth/login", data={"username": email, "password": password}
        )
        assert response.status_code == 200, response.text
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        if tenant_id is not None:
            headers["X-Tenant-ID"] = str(tenant_id)
        return headers

    return sign_in


@pytest.fixture
def operator_headers(make_user, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user, password = make_user(superadmin=True)
    return login(user.email, password)
