"""The test kit's deployment: the family of tests/conftest.py, same names, on the built-in
modules plus the kit's (tests/fixtures/orion_testkit: a tenant directory, a header
authenticator, `widgets` and `gadgets`). A folder whose tests need it imports these into
its conftest.py:

    from tests.testkit import app, make_tenant, platform_id, runtime, settings  # noqa: F401

`client`, `worker` and `enable` then follow from `app`, `runtime` and `platform_id`. Sign
in with the headers of tests/helpers.py (`tenant_headers(tenant, *permissions)`,
`OPERATOR`); the factories of users, members, stores and platforms are the deployment's and
have no place here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from orion.app import create_app
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from orion.settings import OrionSettings
from tests.conftest import drop_database, fresh_database_url, make_settings, started


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrionSettings]:
    url = fresh_database_url(tmp_path_factory.mktemp("db"), "testkit")
    yield make_settings(url)
    drop_database(url)


@pytest.fixture(scope="session")
def runtime(settings: OrionSettings) -> Iterator[Runtime]:
    with started(settings) as built:
        yield built


@pytest.fixture(scope="session")
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime=runtime, embedded_worker=False)


@pytest.fixture
def platform_id() -> uuid.UUID:
    """A platform of its own for each test, so module states never leak between tests (the
    kit's directory needs no platform row)."""
    return uuid.uuid4()


@pytest.fixture
def make_tenant(runtime: Runtime, platform_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """`make_tenant(name="Acme", platform_id=None)`: a tenant of the kit's directory."""
    from orion_testkit.testdir.service import create_tenant

    def make(name: str = "Acme", platform_id: uuid.UUID = platform_id) -> TenantContext:
        with runtime.database.unit_of_work() as session:
            return create_tenant(session, name, platform_id)

    return make
