"""The metered call's database work: at most three statements (hold; settlement and usage
record, committed before the answer leaves), the credits paths off the one-statement road,
and a server killed with SIGKILL mid-load losing no usage and leaving no hold open past
recovery (the hold expiry)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, select

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import acting_for, all_tenants
from orion.modules.ai_proxy import service
from orion.modules.ai_proxy.schemas import AiTenantLimitsUpdate
from orion.modules.credits import services as credits
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[3]
needs_postgres = pytest.mark.skipif(not PG_URL, reason="needs ORION_TEST_DATABASE_URL")


def orion_app():  # type: ignore[no-untyped-def]
    """What the killed server serves (`uvicorn ... --factory`), configured by ORION_*."""
    from orion.app import create_app
    from orion.settings import load_settings

    return create_app(load_settings(), embedded_worker=False)


@contextmanager
def statements(engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Every statement sent on `engine` in the block, but the request gate's before the
    gateway runs: authentication and the module's activation (the kernel caches both; the
    tables named are the ones they read)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if not any(
            table in statement for table in ("auth_", "tenancy_member", "kernel_module_state")
        ):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@needs_postgres
@pytest.mark.parametrize("stream", [False, True])
def test_a_metered_call_runs_at_most_three_statements(gateway, stream):
    gateway.model()
    gateway.tenant_key()
    gateway.fund(10_000)
    assert gateway.chat().status_code == 200  # the route and the principal are cached now
    with statements(gateway.runtime.database.engine) as seen:
        answer = gateway.chat(stream=stream)
        assert answer.status_code == 200
    rows = gateway.usage()  # recorded before the answer (or its last bytes) left
    assert len(seen) == 3, seen
    assert [s.split()[0] for s in seen] == ["WITH", "WITH", "INSERT"]
    assert rows[-1].status == "ok" and rows[-1].cost == 3 + 2 * 20  # 3 tokens in, 20 out
    assert gateway.balance() == 10_000 - 2 * 43
    assert gateway.ledger_is_exact()


def test_a_cost_above_the_hold_and_an_expired_hold_take_the_general_path(gateway):
    gateway.fund(100)
    tenant = gateway.tenant
    with gateway.runtime.database.unit_of_work() as session:
        above = credits.metered.hold_call(session, tenant, amount=10, idempotency_key="m-above")
        expired = credits.metered.hold_call(
            session, tenant, amount=20, idempotency_key="m-expired", expires_in=timedelta(seconds=1)
        )
        released = credits.metered.hold_call(session, tenant, amount=5, idempotency_key="m-zero")
    with gateway.runtime.database.unit_of_work() as session:
        assert credits.release_expired_holds(session, now=utcnow() + timedelta(seconds=2)) >= 1
    with gateway.runtime.database.unit_of_work() as session:
        credits.metered.settle_call(session, tenant, above, held=10, cost=15)  # 5 on top
        credits.metered.settle_call(session, tenant, expired, held=20, cost=7)  # given back
        credits.metered.settle_call(session, tenant, released, held=5, cost=0)
        # Settling again with the same cost changes nothing.
        credits.metered.settle_call(session, tenant, above, held=10, cost=15)
    by_id = {hold.id: hold for hold in gateway.holds()}
    assert (by_id[above].state, by_id[above].settled_amount) == ("settled", 15)
    assert (by_id[expired].state, by_id[expired].settled_amount) == ("settled", 7)
    assert by_id[released].state == "released"
    assert gateway.balance() == 100 - 15 - 7
    assert gateway.ledger_is_exact()


def test_hold_and_settlement_write_what_the_general_functions_write(gateway):
    """The one-statement hold and settlement leave the same ledger as credits.hold/settle."""
    gateway.fund(1_000)
    tenant = gateway.tenant
    with gateway.runtime.database.unit_of_work() as session:
        fast = credits.metered.hold_call(
            session, tenant, amount=40, idempotency_key="m-fast", reason="r", reference="x"
        )
    with gateway.runtime.database.unit_of_work() as session, acting_for(session, tenant):
        slow = credits.hold(
            session, tenant, amount=40, idempotency_key="m-slow", reason="r", reference="x"
        ).id
    with gateway.runtime.database.unit_of_work() as session:
        credits.metered.settle_call(session, tenant, fast, held=40, cost=12)
    with gateway.runtime.database.unit_of_work() as session, acting_for(session, tenant):
        credits.settle(session, tenant, slow, amount=12)
    rows = _ledger_of(gateway, fast, slow)
    assert rows[fast] == rows[slow]
    assert [row[0] for row in rows[fast]] == ["hold", "settle"]
    assert gateway.balance() == 1_000 - 24
    assert gateway.ledger_is_exact()


def _ledger_of(gateway, *hold_ids):  # type: ignore[no-untyped-def]
    from orion.modules.credits.models import CreditTransaction

    with gateway.runtime.database.unit_of_work() as session, all_tenants(session):
        found = session.scalars(
            select(CreditTransaction)
            .where(CreditTransaction.hold_id.in_(hold_ids))
            .order_by(CreditTransaction.created_at)
        ).all()
        return {
            hold_id: sorted(
                (e.kind, e.amount, e.refundable, e.reason, e.details)
                for e in found
                if e.hold_id == hold_id
            )
            for hold_id in hold_ids
        }


# -- SIGKILL mid-load ------------------------------------------------------------------------

CALLERS = 12
LOAD_SECONDS = 3.0


@contextmanager
def orion_server(database_url: str, port: int, log: Path) -> Iterator[subprocess.Popen]:
    """Orion in a uvicorn process of its own on `database_url`; killed (SIGKILL) on leaving
    if the test has not killed it already."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORION_")}
    env |= {
        "ORION_DATABASE_URL": database_url,
        "ORION_ENVIRONMENT": "test",
        "ORION_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path]),  # this process's orion
    }
    command = [sys.executable, "-m", "uvicorn", f"{__name__}:orion_app", "--factory"]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _load(url: str, token: str, stop: threading.Event) -> tuple[dict[str, bool], int]:
    """Callers sending metered calls (plain and streamed, to a provider that takes its time)
    until `stop`: the request id of every call answered in full (and whether it streamed),
    and how many calls got no answer."""
    answered: dict[str, bool] = {}
    unanswered = 0
    lock = threading.Lock()

    def caller(index: int) -> None:
        nonlocal unanswered
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, timeout=30, headers=headers) as client:
            while not stop.is_set():
                request_id = f"kill-{index}-{uuid.uuid4().hex}"
                stream = index % 2 == 1
                body = {
                    "model": "chat-slow",
                    "messages": [{"role": "user", "content": "hello there"}],
                    "max_tokens": 3,
                    "stream": stream,
                }
                complete = False
                try:
                    if stream:
                        with client.stream(
                            "POST",
                            "/v1/chat/completions",
                            json=body,
                            headers={"X-Request-ID": request_id},
                        ) as answer:
                            text = "".join(answer.iter_text())
                            complete = answer.status_code == 200 and "data: [DONE]" in text
                    else:
                        answer = client.post(
                            "/v1/chat/completions", json=body, headers={"X-Request-ID": request_id}
                        )
                        complete = answer.status_code == 200 and answer.json()["usage"] is not None
                except httpx.HTTPError:
                    complete = False
                with lock:
                    if complete:
                        answered[request_id] = stream
                    else:
                        unanswered += 1
                if not complete:
                    time.sleep(0.05)  # the server is gone: do not spin until `stop`

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(CALLERS)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=60)
    return answered, unanswered


@needs_postgres
def test_a_server_killed_mid_load_loses_no_usage_and_leaves_no_hold_open(gateway, tmp_path):
    gateway.model("chat-slow", upstream_model="slow")  # 0.2 s an answer, or a streamed word
    gateway.tenant_key()
    funded = 10**9
    gateway.fund(funded)
    with gateway.runtime.database.unit_of_work() as session:
        service.set_limits(
            session,
            gateway.tenant,
            data=AiTenantLimitsUpdate(requests_per_minute=0, tokens_per_minute=0),
        )
    database_url = gateway.runtime.settings.database_url
    port, log = _free_port(), tmp_path / "orion.log"
    url = f"http://127.0.0.1:{port}"

    stop = threading.Event()
    with orion_server(database_url, port, log) as server:
        result: dict[str, tuple[dict[str, bool], int]] = {}
        loader = threading.Thread(
            target=lambda: result.setdefault("load", _load(url, gateway.token, stop))
        )
        loader.start()
        time.sleep(LOAD_SECONDS)
        server.send_signal(signal.SIGKILL)  # mid-load: calls are waiting on the provider
        server.wait(timeout=30)
        time.sleep(0.5)
        stop.set()
        loader.join(timeout=120)
    answered, unanswered = result["load"]
    assert answered, log.read_text()[-3000:]
    assert unanswered >= 1  # the kill cut calls short
    assert any(answered.values()) and not all(answered.values())  # plain and streamed

    # Restarted, the server serves again; then recovery: the hold expiry gives back the
    # holds of the calls the kill cut short (nothing else is open).
    with orion_server(database_url, port, log):
        after = httpx.post(
            f"{url}/v1/chat/completions",
            json={"model": "chat-slow", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": f"Bearer {gateway.token}"},
            timeout=30,
        )
        assert after.status_code == 200, after.text
    hold_minutes = service.settings_of(gateway.runtime).hold_minutes
    with gateway.runtime.database.unit_of_work() as session:
        later = utcnow() + timedelta(minutes=hold_minutes, seconds=1)
        released = credits.release_expired_holds(session, now=later)
    assert 1 <= released <= unanswered  # the kill left holds open; the expiry gave them back

    usage = {row.request_id: row for row in gateway.usage()}
    holds = {hold.id: hold for hold in gateway.holds()}
    for request_id, stream in answered.items():
        row = usage.get(request_id)
        assert row is not None, f"{request_id} was answered but not recorded"
        assert (row.status, row.stream) == ("ok", stream)
        assert row.cost == 3 + 2 * 3  # "hello there": 3 tokens in; 3 out at 2 each
        assert (holds[row.hold_id].state, holds[row.hold_id].settled_amount) == (
            "settled",
            row.cost,
        )
    assert [h for h in holds.values() if h.state == "open"] == []
    recorded = {row.hold_id for row in usage.values()}
    # A hold without a usage record is a call the kill cut short: given back in full.
    assert all(h.state == "expired" for h in holds.values() if h.id not in recorded)
    assert gateway.balance() == funded - sum(row.cost for row in usage.values())
    assert gateway.ledger_is_exact()
