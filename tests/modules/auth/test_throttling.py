"""Brute force: failed sign-ins are throttled per account and per client address (in Redis
when the broker is Redis, so every process shares the counts; else in the database)."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient

from orion.app import create_app
from orion.kernel.runtime import build_runtime
from orion.modules.auth.throttle import DatabaseStore, RedisStore, store_for
from tests.conftest import BROKER_URL, make_settings
from tests.modules.auth.helpers import LOGIN

WRONG = "Wrong-password-0"


def sign_in(client, email, password):
    return client.post(LOGIN, data={"username": email, "password": password})


@pytest.fixture(scope="module")
def app_with(runtime):
    """Clients of an app on the same database with other limits (ORION_MODULES__AUTH__...)."""
    runtimes = []
    deployment = f"orion-test-throttle-{uuid.uuid4().hex[:8]}:"

    def make(*, same_deployment: bool = False, **limits: int):
        # Each runtime is its own deployment (its own Redis key prefix) unless asked to be
        # another server of one deployment.
        shared = {"broker_key_prefix": deployment} if same_deployment else {}
        limited = build_runtime(
            make_settings(
                runtime.settings.database_url,
                extra_modules=[],
                providers={},
                modules={"auth": limits},
                **shared,
            )
        )
        runtimes.append(limited)
        app = create_app(runtime=limited, embedded_worker=False)

        def client_at(address: str) -> TestClient:
            return TestClient(app, raise_server_exceptions=False, client=(address, 50000))

        return client_at

    yield make
    for limited in runtimes:
        limited.close()


def test_the_store_is_redis_when_the_broker_is(runtime):
    expected = RedisStore if BROKER_URL else DatabaseStore
    assert isinstance(store_for(runtime), expected)


def test_five_failures_lock_the_account_for_a_while_from_any_address(client_at, make_user):
    user, password = make_user()

    for _ in range(5):  # each attempt from another address: the account is what counts
        assert sign_in(client_at(), user.email, WRONG).status_code == 401
    locked = sign_in(client_at(), user.email, password)

    assert locked.status_code == 429
    assert locked.json()["code"] == "login_throttled"
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert locked.json()["retry_after"] == retry_after


def test_failures_are_counted_per_client_address(app_with, make_user):
    strict = app_with(login_failures_per_address=2, login_failures_per_account=100)
    user, password = make_user()
    attacker = strict("203.0.113.7")

    for victim in ("first-victim@example.com", "second-victim@example.com"):
        assert sign_in(attacker, victim, WRONG).status_code == 401
    from_attacker = sign_in(attacker, user.email, password)
    from_elsewhere = sign_in(strict("203.0.113.8"), user.email, password)

    assert from_attacker.status_code == 429
    assert int(from_attacker.headers["Retry-After"]) >= 1
    assert from_elsewhere.status_code == 200


def test_a_success_clears_the_accounts_failures(app_with, make_user):
    strict = app_with(login_failures_per_account=2)
    user, password = make_user()

    for attempt in range(2):  # one failure, one short of the limit, then a success
        assert sign_in(strict(f"203.0.113.{40 + attempt}"), user.email, WRONG).status_code == 401
        assert sign_in(strict("203.0.113.50"), user.email, password).status_code == 200


def test_the_lock_ends_with_the_window(app_with, make_user):
    strict = app_with(login_failures_per_account=1, login_window_seconds=1)
    user, password = make_user()

    assert sign_in(strict("203.0.113.30"), user.email, WRONG).status_code == 401
    locked = sign_in(strict("203.0.113.31"), user.email, password)
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "1"
    time.sleep(1.1)
    assert sign_in(strict("203.0.113.32"), user.email, password).status_code == 200


def test_every_server_of_a_deployment_counts_the_same_failures(app_with, make_user):
    """Two runtimes, as two processes would be: they share only the database and broker."""
    one = app_with(same_deployment=True, login_failures_per_account=2)
    other = app_with(same_deployment=True, login_failures_per_account=2)
    user, password = make_user()

    assert sign_in(one("203.0.113.60"), user.email, WRONG).status_code == 401
    assert sign_in(other("203.0.113.61"), user.email, WRONG).status_code == 401
    locked = sign_in(one("203.0.113.62"), user.email, password)

    assert locked.status_code == 429
    assert sign_in(other("203.0.113.63"), user.email, password).status_code == 429
