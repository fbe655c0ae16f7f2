"""Revocation across server processes: two `orion serve` processes on one database and one
Redis; what process A revokes, process B refuses on the very next request, although B had
the credential in its principal cache a moment before.

Needs a shared Redis (ORION_TEST_BROKER_URL): without one, each process only knows its own
revocations, which is what the embedded default promises."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orion.kernel.tooling import migrate
from orion.modules.auth import services as auth
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.schemas import TenantCreate
from tests.conftest import BROKER_URL, DEPLOYMENT, drop_database, fresh_database_url, make_settings
from tests.e2e.test_serve import free_port
from tests.helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/api/v1/public/auth/login"
TOKENS = "/api/v1/auth/tokens"
ROLES = "/api/v1/tenancy/roles"  # a tenant route that reads no database once signed in
STORES = "/api/v1/tenancy/stores"
MEMBERS = "/api/v1/tenancy/members"

pytestmark = pytest.mark.skipif(
    not BROKER_URL, reason="needs a Redis shared by both processes (ORION_TEST_BROKER_URL)"
)


def serve(url: str, prefix: str) -> tuple[str, subprocess.Popen[str]]:
    port = free_port()
    env = {
        **os.environ,
        "ORION_DATABASE_URL": url,
        "ORION_BROKER_URL": BROKER_URL or "",
        "ORION_BROKER_KEY_PREFIX": prefix,
        "ORION_ENVIRONMENT": "test",
        "ORION_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "orion.cli", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return f"http://127.0.0.1:{port}", process


def wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"orion serve did not start:\n{process.communicate(timeout=10)[0]}")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Two server processes, one database, one Redis; a tenant with an admin and a staff
    member."""
    from orion.kernel.runtime import build_runtime

    url = fresh_database_url(tmp_path_factory.mktemp("revocation"), "revocation")
    prefix = f"orion-test-{uuid.uuid4().hex[:8]}:"
    runtime = build_runtime(make_settings(url, broker_key_prefix=prefix, **DEPLOYMENT))
    migrate.upgrade(runtime)
    with runtime.database.unit_of_work() as session:
        platform_id = tenancy.ensure_default_platform(session).id
        tenant_row = tenancy.create_tenant(
            session, platform_id, data=TenantCreate(name="Revocation Ltd")
        )
        tenant = tenancy.tenant_context(session, tenant_row.id)
        people = {}
        for role in ("tenant_admin", "staff"):
            email = f"{role}-{uuid.uuid4().hex[:6]}@example.com"
            user = auth.create_user(session, email=email, password=PASSWORD)
            tenancy.add_member(session, tenant, user_id=user.id, role=role)
            people[role] = email
    servers = [serve(url, prefix) for _ in range(2)]
    try:
        for base, process in servers:
            wait_until_up(base, process)
        yield {"a": servers[0][0], "b": servers[1][0], "people": people}
    finally:
        for _, process in servers:
            stop(process)
        runtime.close()
        drop_database(url)


def sign_in(base: str, email: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}{LOGIN}", data={"username": email, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_an_access_token_revoked_on_one_process_is_refused_by_the_other(deployment):
    a, b = deployment["a"], deployment["b"]
    admin = sign_in(a, deployment["people"]["tenant_admin"])
    created = httpx.post(
        f"{a}{TOKENS}",
        json={"name": "robot", "scopes": ["tenancy.read"]},
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    token = {"Authorization": f"Bearer {created.json()['token']}"}
    # B verifies the token and remembers it; the second answer comes from its cache.
    for _ in range(2):
        assert httpx.get(f"{b}{ROLES}", headers=token, timeout=10).status_code == 200

    revoked = httpx.delete(f"{a}{TOKENS}/{created.json()['id']}", headers=admin, timeout=10)
    assert revoked.status_code == 204, revoked.text

    refused = httpx.get(f"{b}{ROLES}", headers=token, timeout=10)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "token_revoked"
    assert httpx.get(f"{a}{ROLES}", headers=token, timeout=10).status_code == 401


def test_a_member_removed_on_one_process_is_refused_by_the_other(deployment):
    a, b = deployment["a"], deployment["b"]
    admin = sign_in(a, deployment["people"]["tenant_admin"])
    staff = sign_in(b, deployment["people"]["staff"])
    for _ in range(2):
        assert httpx.get(f"{b}{STORES}", headers=staff, timeout=10).status_code == 200
    members = httpx.get(f"{a}{MEMBERS}", headers=admin, timeout=10).json()["data"]
    membership = next(m for m in members if m["email"] == deployment["people"]["staff"])

    removed = httpx.delete(f"{a}{MEMBERS}/{membership['id']}", headers=admin, timeout=10)
    assert removed.status_code == 204, removed.text

    # Signed in still, but a member of no tenant any more: tenant routes are forbidden.
    refused = httpx.get(f"{b}{STORES}", headers=staff, timeout=10)
    assert refused.status_code == 403, refused.text
    assert httpx.get(f"{b}{ROLES}", headers=staff, timeout=10).status_code == 403


def test_signing_out_on_one_process_ends_the_session_on_the_other(deployment):
    a, b = deployment["a"], deployment["b"]
    response = httpx.post(
        f"{a}{LOGIN}",
        data={"username": deployment["people"]["tenant_admin"], "password": PASSWORD},
        timeout=10,
    )
    tokens = response.json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    for _ in range(2):
        assert httpx.get(f"{b}{ROLES}", headers=headers, timeout=10).status_code == 200

    out = httpx.post(
        f"{a}/api/v1/public/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204, out.text

    refused = httpx.get(f"{b}{ROLES}", headers=headers, timeout=10)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "session_revoked"
