"""A real `orion worker` process against the broker (Redis in CI's second run)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from orion_testkit.testdir.service import create_tenant
from orion_testkit.widgets import service
from orion_testkit.widgets.models import WidgetAudit
from sqlalchemy import select

from orion.kernel.data.tenancy import set_tenant
from orion.kernel.runtime import build_runtime
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.models import OutboxEvent, TaskRun
from orion.kernel.runtime.worker import create_celery
from orion.kernel.tooling import migrate
from tests.conftest import (
    BROKER_URL,
    TESTKIT,
    TESTKIT_PROVIDERS,
    drop_database,
    fresh_database_url,
    make_settings,
)
from tests.helpers import platform_session, wait_for

pytestmark = pytest.mark.skipif(
    not BROKER_URL, reason="needs a broker shared between processes (ORION_TEST_BROKER_URL)"
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def deployment(tmp_path):
    """A database and broker namespace of its own, shared with worker subprocesses."""
    url = fresh_database_url(tmp_path, "procs")
    settings = make_settings(url)
    runtime = build_runtime(settings)
    migrate.upgrade(runtime)
    create_celery(runtime=runtime)
    with runtime.database.unit_of_work() as session:
        tenant = create_tenant(session, "Procs", platform_id=uuid.uuid4())
        runtime.modules.enable(session, "widgets", scope=ModuleScope(tenant.platform_id))
    runtime.extras["tenant"] = tenant
    yield runtime
    runtime.close()
    drop_database(url)


def start_worker(runtime, *args, **env_extra):
    settings = runtime.settings
    env = {
        **os.environ,
        "ORION_DATABASE_URL": settings.database_url,
        "ORION_BROKER_URL": settings.broker_url or "",
        "ORION_BROKER_KEY_PREFIX": settings.broker_key_prefix,
        "ORION_EXTRA_MODULES": json.dumps(TESTKIT),
        "ORION_PROVIDERS": json.dumps(TESTKIT_PROVIDERS),
        "ORION_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "tests" / "fixtures"),
        **env_extra,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "orion.cli", "worker", "-c", "1", "--pool", "solo", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_worker_process_runs_a_task_and_returns_its_result(deployment):
    port = free_port()
    process = start_worker(deployment, "--metrics-port", str(port))
    try:
        result = deployment.celery.send_task("widgets.echo", kwargs={"value": "from afar"})
        assert result.get(timeout=60) == "from afar"
        with platform_session(deployment) as session:
            run = session.scalar(select(TaskRun).where(TaskRun.task_id == result.id))
        assert run.state == "succeeded" and run.queue == "long_running"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert (
            'orion_task_runs_total{queue="long_running",state="succeeded",task="widgets.echo"} 1.0'
            in metrics
        )
    finally:
        stop(process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_event_survives_a_worker_killed_during_delivery(deployment, tmp_path):
    tenant = deployment.extras["tenant"]
    stall = tmp_path / "stall"
    stall.touch()  # the widget audit handler waits while this file exists
    first = start_worker(deployment, ORION_TEST_WIDGET_STALL_FILE=str(stall))
    try:
        with deployment.database.unit_of_work() as session:
            set_tenant(session, tenant)
            service.create_widget(session, name="survivor")

        def delivery_started():
            with platform_session(deployment) as session:
                return (
                    session.scalar(
                        select(TaskRun).where(
                            TaskRun.name == "kernel.deliver_events", TaskRun.state == "started"
                        )
                    )
                    is not None
                )

        assert wait_for(delivery_started, timeout=60)
    finally:
        stop(first)  # SIGKILL in the middle of the handler
    stall.unlink()

    with platform_session(deployment) as session:
        event = session.scalar(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant.tenant_id))
        assert event.delivered_at is None  # still waiting, not lost
        assert session.scalars(select(WidgetAudit)).all() == []
    with deployment.database.unit_of_work() as session:
        session.get(OutboxEvent, event.id).created_at -= timedelta(minutes=5)

    second = start_worker(deployment)
    try:
        counts = deployment.celery.send_task("kernel.sweep_outbox").get(timeout=60)
        assert counts["delivered"] == 1
    finally:
        stop(second)
    with platform_session(deployment) as session:
        audits = session.scalars(select(WidgetAudit)).all()
        assert [a.widget_name for a in audits] == ["survivor"]
        assert session.get(OutboxEvent, event.id).delivered_at is not None
