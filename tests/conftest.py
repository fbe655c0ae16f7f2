"""Shared fixtures.

The suite runs on SQLite and the embedded (in-memory) broker by default. Set
ORION_TEST_DATABASE_URL (PostgreSQL) and ORION_TEST_BROKER_URL (Redis) to run the same
tests against those servers. Each test session gets its own fresh database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from orion.app import create_app
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime, build_runtime
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.worker import EmbeddedWorker, create_celery
from orion.kernel.tooling import migrate
from orion.settings import OrionSettings

pytest_plugins = ["tests.identity_fixtures"]

TESTKIT = ["orion_testkit.testdir", "orion_testkit.widgets", "orion_testkit.gadgets"]
# The kernel's tests sign in through the testkit's header authenticator.
TESTKIT_PROVIDERS = {"tenant_directory": "testdir", "authenticator": "testdir"}
PG_URL = os.environ.get("ORION_TEST_DATABASE_URL")
BROKER_URL = os.environ.get("ORION_TEST_BROKER_URL")


def fresh_database_url(tmp_dir: Path, name: str) -> str:
    """An empty database: a new SQLite file, or a new database on the test PostgreSQL."""
    if not PG_URL:
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    database = f"orion_test_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def make_settings(database_url: str, **overrides: object) -> OrionSettings:
    values: dict[str, object] = {
        "database_url": database_url,
        "broker_url": BROKER_URL,
        "environment": "test",
        "log_json": False,
        "log_level": "WARNING",
        "extra_modules": TESTKIT,
        "providers": TESTKIT_PROVIDERS,
        "outbox_redelivery_seconds": 5,
        # Test runs sharing a Redis server never take each other's tasks.
        "broker_key_prefix": f"orion-test-{uuid.uuid4().hex[:8]}:",
    }
    values.update(overrides)
    return OrionSettings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrionSettings]:
    url = fresh_database_url(tmp_path_factory.mktemp("db"), "suite")
    yield make_settings(url)
    drop_database(url)


@pytest.fixture(scope="session")
def runtime(settings: OrionSettings) -> Iterator[Runtime]:
    runtime = build_runtime(settings)
    migrate.upgrade(runtime)
    create_celery(runtime=runtime)
    yield runtime
    runtime.close()


# Module scope: Celery's worker optimisations are process-wide, so two embedded workers
# (the kernel suite's and the identity suite's, on different apps) must not overlap.
@pytest.fixture(scope="module")
def worker(runtime: Runtime) -> Iterator[EmbeddedWorker]:
    """A real Celery worker consuming in background threads (Redis when configured)."""
    assert runtime.celery is not None
    # Tasks left by tests that ran no worker: on Redis this runtime's own (its key prefix);
    # the in-memory broker's queues are shared by every app in the process.
    runtime.celery.control.purge()
    with EmbeddedWorker(runtime.celery, beat=False) as embedded:
        yield embedded


@pytest.fixture(scope="session")
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime=runtime, embedded_worker=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def platform_id() -> uuid.UUID:
    """A platform of its own for each test, so module states never leak between tests."""
    return uuid.uuid4()


@pytest.fixture
def make_tenant(runtime: Runtime, platform_id: uuid.UUID):  # type: ignore[no-untyped-def]
    from orion_testkit.testdir.service import create_tenant

    def make(name: str = "Acme", platform: uuid.UUID | None = None) -> TenantContext:
        with runtime.database.unit_of_work() as session:
            return create_tenant(session, name, platform or platform_id)

    return make


@pytest.fixture
def enable(runtime: Runtime, platform_id: uuid.UUID):  # type: ignore[no-untyped-def]
    def switch(
        code: str,
        tenant_id: uuid.UUID | None = None,
        platform: uuid.UUID | None = None,
        on: bool = True,
    ) -> list[str]:
        with runtime.database.unit_of_work() as session:
            scope = ModuleScope(platform or platform_id, tenant_id)
            if on:
                return runtime.modules.enable(session, code, scope=scope)
            return runtime.modules.disable(session, code, scope=scope)

    return switch
