"""`orion serve` as a user runs it: API, embedded worker and scheduler, in one process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from orion_testkit.testdir.service import create_tenant
from orion_testkit.widgets.models import WidgetAudit
from sqlalchemy import select

from orion.kernel.runtime import build_runtime
from orion.kernel.tooling import migrate
from tests.conftest import (
    BROKER_URL,
    PG_URL,
    TESTKIT,
    TESTKIT_PROVIDERS,
    drop_database,
    fresh_database_url,
    make_settings,
)
from tests.helpers import platform_session

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    url = f"sqlite:///{tmp_path / 'served.db'}"
    runtime = build_runtime(make_settings(url, broker_url=None))
    migrate.upgrade(runtime)
    port = free_port()
    env = {
        **os.environ,
        "ORION_DATABASE_URL": url,
        "ORION_EXTRA_MODULES": json.dumps(TESTKIT),
        "ORION_PROVIDERS": json.dumps(TESTKIT_PROVIDERS),
        "ORION_LOG_LEVEL": "WARNING",
        "ORION_OPERATIONS_NETWORKS": '["127.0.0.1/32"]',  # /ready's checks for loopback
        "PYTHONPATH": str(ROOT / "tests" / "fixtures"),
    }
    env.pop("ORION_BROKER_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "orion.cli", "serve", "--port", str(port), "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"orion serve did not start:\n{process.communicate(timeout=10)[0]}")
    yield base, runtime, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    runtime.close()


def test_serve_answers_ready_and_its_embedded_worker_delivers_events(served):
    base, runtime, _process = served
    ready = httpx.get(f"{base}/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["broker"]["detail"] == "embedded"

    # The demo enabled every optional module on the default platform.
    from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID

    with runtime.database.unit_of_work() as session:
        tenant = create_tenant(session, "Served", DEFAULT_PLATFORM_ID)
    response = httpx.post(
        f"{base}/api/v1/widgets/widgets",
        json={"name": "served"},
        headers={"X-Test-Tenant": str(tenant.tenant_id)},
        timeout=10,
    )
    assert response.status_code == 201, response.text

    deadline = time.monotonic() + 30
    audits: list = []
    while time.monotonic() < deadline and not audits:
        with platform_session(runtime) as session:
            audits = session.scalars(
                select(WidgetAudit).where(WidgetAudit.tenant_id == tenant.tenant_id)
            ).all()
        time.sleep(0.1)
    assert [a.widget_name for a in audits] == ["served"]


def test_serve_prints_where_it_listens(served):
    base, _runtime, process = served
    os.killpg(process.pid, signal.SIGTERM)
    output = process.communicate(timeout=20)[0]
    assert base in output
    assert "embedded worker" in output


def _serve_env(database_url: str, broker_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "ORION_DATABASE_URL": database_url,
        "ORION_EXTRA_MODULES": json.dumps(TESTKIT),
        "ORION_PROVIDERS": json.dumps(TESTKIT_PROVIDERS),
        "ORION_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "tests" / "fixtures"),
    }
    env.pop("ORION_BROKER_URL", None)
    if broker_url:
        env["ORION_BROKER_URL"] = broker_url
    return env


def test_several_server_processes_refuse_the_embedded_broker_and_sqlite(tmp_path):
    env = _serve_env(f"sqlite:///{tmp_path / 'one.db'}", None)
    done = subprocess.run(
        [sys.executable, "-m", "orion.cli", "serve", "--workers", "2", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "ORION_BROKER_URL" in done.stderr and "PostgreSQL" in done.stderr
    assert not (tmp_path / "one.db").exists()  # refused before touching the database


def test_a_taken_port_is_named_before_anything_is_announced_or_migrated(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = _serve_env(f"sqlite:///{tmp_path / 'taken.db'}", None)
        done = subprocess.run(
            [sys.executable, "-m", "orion.cli", "serve", "--demo", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in done.stderr
    assert f"--port {port + 1}" in done.stderr
    assert "login:" not in done.stdout  # no demo banner for a server that will not start
    assert not (tmp_path / "taken.db").exists()


@pytest.mark.skipif(
    not (PG_URL and BROKER_URL), reason="needs PostgreSQL and Redis (ORION_TEST_*_URL)"
)
def test_serve_with_two_workers_answers_from_two_processes(tmp_path):
    url = fresh_database_url(tmp_path, "workers")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "orion.cli", "serve", "--workers", "2", "--port", str(port)],
        env=_serve_env(url, BROKER_URL),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(pids) < 2:
            try:
                # A new connection each time: the kernel hands it to either process.
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                pids.add(response.json()["pid"])
            except httpx.TransportError:
                time.sleep(0.2)
        assert len(pids) == 2, f"answers from {pids}"
        assert process.pid not in pids  # the supervisor serves nothing itself
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=10)
        assert ready.status_code == 200, ready.text
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            output = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output = process.communicate(timeout=10)[0]
        drop_database(url)
    assert "2 server processes" in output
