"""The suite's fixtures: the deployment (the built-in modules, signed in for real) and
factories building its data through the modules' services. tests/README.md describes them;
tests/testkit.py swaps the deployment for the test kit's in the folders that import it.

The suite runs on SQLite and the embedded (in-memory) broker by default. Set
ORION_TEST_DATABASE_URL (PostgreSQL) and ORION_TEST_BROKER_URL (Redis) to run the same
tests against those servers. Each test session gets its own fresh databases.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from orion.app import create_app
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime, build_runtime
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID, ModuleScope
from orion.kernel.runtime.worker import EmbeddedWorker, create_celery
from orion.kernel.tooling import migrate
from orion.settings import OrionSettings
from tests.helpers import PASSWORD, unique_email

TESTKIT = ["orion_testkit.testdir", "orion_testkit.widgets", "orion_testkit.gadgets"]
# The kit's deployment signs in through its header authenticator (tests/helpers.py).
TESTKIT_PROVIDERS = {"tenant_directory": "testdir", "authenticator": "testdir"}
PG_URL = os.environ.get("ORION_TEST_DATABASE_URL")


def _broker_of_this_process(url: str | None) -> str | None:
    """Each pytest-xdist process gets a Redis database of its own (the given one for `gw0`,
    the one below it for `gw1`, ...): a worker of one process must never take the tasks
    another process sent for its own database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    base, _, number = url.rstrip("/").rpartition("/")
    if not number.isdigit():
        return url
    return f"{base}/{int(number) - int(worker[2:])}"


BROKER_URL = _broker_of_this_process(os.environ.get("ORION_TEST_BROKER_URL"))


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
    """Settings for a test runtime: the test kit's deployment unless `overrides` say
    otherwise (`DEPLOYMENT` gives the built-in modules alone)."""
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


DEPLOYMENT: dict[str, object] = {"extra_modules": [], "providers": {}}


@contextmanager
def started(settings: OrionSettings) -> Iterator[Runtime]:
    """A runtime on `settings`, its database migrated, its Celery app made."""
    runtime = build_runtime(settings)
    migrate.upgrade(runtime)
    create_celery(runtime=runtime)
    try:
        yield runtime
    finally:
        runtime.close()


# -- the deployment ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The built-in modules on a database of their own, shared by the whole session."""
    url = fresh_database_url(tmp_path_factory.mktemp("db"), "deployment")
    with started(make_settings(url, **DEPLOYMENT)) as built:
        yield built
    drop_database(url)


@pytest.fixture(scope="session")
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime=runtime, embedded_worker=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# Module scope: Celery's worker optimisations are process-wide, so two embedded workers
# (on the deployment's and the test kit's apps) must not overlap.
@pytest.fixture(scope="module")
def worker(runtime: Runtime) -> Iterator[EmbeddedWorker]:
    """A real Celery worker consuming in background threads (Redis when configured)."""
    assert runtime.celery is not None
    # Tasks left by tests that ran no worker: on Redis this runtime's own (its key prefix);
    # the in-memory broker's queues are shared by every app in the process.
    runtime.celery.control.purge()
    with EmbeddedWorker(runtime.celery, beat=False) as embedded:
        yield embedded


# -- factories --------------------------------------------------------------------------------


@pytest.fixture
def platform_id() -> uuid.UUID:
    """The platform `make_tenant` and `enable` use unless told another."""
    return DEFAULT_PLATFORM_ID


@pytest.fixture
def make_platform(runtime: Runtime):  # type: ignore[no-untyped-def]
    """`make_platform(code=None, name=None)`: a new platform (its row)."""
    from orion.modules.tenancy.schemas import PlatformCreate
    from orion.modules.tenancy.services import create_platform

    def make(code: str | None = None, name: str | None = None):  # type: ignore[no-untyped-def]
        code = code or f"p{uuid.uuid4().hex[:10]}"
        with runtime.database.unit_of_work() as session:
            return create_platform(session, data=PlatformCreate(code=code, name=name or code))

    return make


@pytest.fixture
def make_tenant(runtime: Runtime, platform_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """`make_tenant(name=None, platform_id=None)`: a new tenant, as its TenantContext."""
    return tenant_maker(runtime, platform_id)


def tenant_maker(runtime: Runtime, default_platform: uuid.UUID):  # type: ignore[no-untyped-def]
    from orion.modules.tenancy.schemas import TenantCreate
    from orion.modules.tenancy.services import create_tenant

    def make(name: str | None = None, platform_id: uuid.UUID = default_platform) -> TenantContext:
        name = name or f"Tenant {uuid.uuid4().hex[:6]}"
        with runtime.database.unit_of_work() as session:
            tenant = create_tenant(session, platform_id, data=TenantCreate(name=name))
            return TenantContext(tenant.id, tenant.platform_id)

    return make


@pytest.fixture
def make_store(runtime: Runtime):  # type: ignore[no-untyped-def]
    """`make_store(tenant, name=None, code=None)`: a new store of `tenant` (its row)."""
    from orion.modules.tenancy.schemas import StoreCreate
    from orion.modules.tenancy.services import create_store

    def make(tenant: TenantContext, name: str | None = None, code: str | None = None):  # type: ignore[no-untyped-def]
        code = code or f"s{uuid.uuid4().hex[:10]}"
        with runtime.database.unit_of_work() as session:
            return create_store(session, tenant, data=StoreCreate(code=code, name=name or code))

    return make


@pytest.fixture
def make_user(runtime: Runtime):  # type: ignore[no-untyped-def]
    """`make_user(email=None, password=PASSWORD, superadmin=False)`: (user, password)."""
    from orion.modules.auth.services import create_user

    def make(email: str | None = None, password: str = PASSWORD, superadmin: bool = False):  # type: ignore[no-untyped-def]
        with runtime.database.unit_of_work() as session:
            user = create_user(
                session,
                email=email or unique_email(),
                password=password,
                full_name="Test User",
                is_superadmin=superadmin,
            )
        return user, password

    return make


@pytest.fixture
def make_member(runtime: Runtime, make_user):  # type: ignore[no-untyped-def]
    """`make_member(tenant, role="tenant_admin", email=None)`: a new user who is a member
    of `tenant` with `role`: (user, password)."""
    from orion.modules.tenancy.services import add_member

    def make(tenant: TenantContext, role: str = "tenant_admin", email: str | None = None):  # type: ignore[no-untyped-def]
        user, password = make_user(email=email)
        with runtime.database.unit_of_work() as session:
            add_member(session, tenant, user_id=user.id, role=role)
        return user, password

    return make


@pytest.fixture
def login(client: TestClient):  # type: ignore[no-untyped-def]
    """`login(email, password=PASSWORD, tenant_id=None)`: the headers of a real sign-in
    through the API (acting in `tenant_id` when given)."""

    def sign_in(email: str, password: str = PASSWORD, tenant_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
        response = client.post(
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
    """A new platform operator's (superadmin's) headers."""
    user, password = make_user(superadmin=True)
    return login(user.email, password)


@pytest.fixture
def enable(runtime: Runtime, platform_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """`enable(code, tenant_id=None, platform_id=None, on=True)`: switch a module on (off
    with `on=False`) for a platform, or for one of its tenants; the modules it changed."""

    def switch(
        code: str,
        tenant_id: uuid.UUID | None = None,
        platform_id: uuid.UUID = platform_id,
        on: bool = True,
    ) -> list[str]:
        with runtime.database.unit_of_work() as session:
            scope = ModuleScope(platform_id, tenant_id)
            if on:
                return runtime.modules.enable(session, code, scope=scope)
            return runtime.modules.disable(session, code, scope=scope)

    return switch


# -- a Stripe-compatible server, for the modules that pay through Stripe -----------------------


@pytest.fixture(scope="session")
def stripe_server(runtime: Runtime):  # type: ignore[no-untyped-def]
    """A Stripe-compatible HTTP server on loopback (tests/servers/stripe_server.py) for the
    whole session, with the payments module's deployment settings pointing the real SDK at
    it (`stripe_api_base`, no retries, a 3 s timeout). Yields its `FakeStripe`:

    * `url`, `api_key` (the secret key it takes), `webhook_secret` (what it signs with);
    * `payment_intents`, `charges`, `refunds`: its state by id; `requests`/`calls(method,
      prefix)`: what it was asked;
    * `events` / `events_of(kind, object_id)`: the webhooks Stripe would have sent, and
      `send(client_or_url, event, path=...)` to deliver one, signed, when a test wants;
    * `fail_with` (every answer that status), `refuse` ({path prefix: status}), `delay`
      ({path prefix: seconds}: beyond the timeout, an outage that never answers), `reset()`.

    A tenant pays through it once its Stripe account is stored:
    `payments.services.configure_stripe(session, tenant, data=StripeAccountUpdate(
    secret_key=fake.api_key, webhook_secret=fake.webhook_secret, publishable_key="pk_test_x"))`.
    """
    from tests.servers import stripe_server as server_module

    server, fake = server_module.start()
    before = runtime.settings.modules.get("payments")
    runtime.settings.modules["payments"] = {
        "stripe_api_base": fake.url,
        "stripe_max_retries": 0,
        "stripe_timeout_seconds": 3,
    }
    yield fake
    if before is None:
        runtime.settings.modules.pop("payments", None)
    else:
        runtime.settings.modules["payments"] = before
    server.shutdown()
