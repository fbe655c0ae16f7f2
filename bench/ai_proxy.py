"""AI gateway: chat completions through Orion's /v1 vs the provider called directly (and litellm).

    .venv/bin/python bench/ai_proxy.py [--database-url postgresql://...] [--seconds 5]
        [--connections 32] [--no-stream] [--litellm | --no-litellm]
        [--litellm-venv /tmp/orion-bench-litellm] [--litellm-install-timeout 300]

Starts a local OpenAI-compatible provider that answers at once (bench/ai_upstream.py, its own
process), creates a throw-away PostgreSQL database, migrates it, and seeds through the
services: a tenant of the default platform with `ai_proxy` on, a tenant admin, a catalogue
model, the tenant's provider key pointing at the local provider, no rate limits and 10^12
credits. Orion runs in one uvicorn process (one worker); the admin signs in over HTTP and
creates an access token scoped `ai_proxy.use`.

At the same concurrency, for the same time, it loads `POST /v1/chat/completions` (a short
prompt, `max_tokens` 16) on (a) the provider directly, (b) Orion (a credit hold before
the provider is called, settled after, one usage record per call, PostgreSQL) and (c)
litellm's proxy with one worker (no database: a master key, no spend tracking), when it
is installed or can be (in a virtualenv of its own, kept between runs). Both a plain and
a streamed answer (`stream: true`, usage chunk on) are measured. It prints requests per
second, p50/p99 latency, the CPU time each server's processes used per call, the SQL
statements Orion's engine sent per call (authentication's included), the latency
Orion adds (through minus direct) and the ratios. Then it proves Orion's books: one usage
record per answered call, no hold left open, the balance equal to the ledger sum
(`credits.services.verify`) and to the funding minus the recorded costs (exit 1 otherwise).

The load generator is a small asyncio client (uvloop, httptools' parser) with one
keep-alive connection per worker; when the time is up each worker waits for the answer
it is owed, so every request sent is counted and the usage records must match exactly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httptools
import httpx
from benchlib import create_database, drop_database, free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Password-9"
MODEL = "bench-chat"
PROVIDER_KEY = "sk-bench-provider-0000000000"
LITELLM_KEY = "sk-bench-litellm-5f0c7a3e9d1b4c6a8e2f"
INITIAL = 10**12
INPUT_PRICE, OUTPUT_PRICE = 1_000_000, 2_000_000  # credits per million tokens: 1 and 2 each
WARMUP_SECONDS = 2.0
DRAIN_SECONDS = 30.0  # the longest wait for answers owed once the time is up
CHAT = "/v1/chat/completions"


STATEMENTS_PATH = "/_bench/statements"
PROFILE_PATH = "/_bench/profile"


def orion_app():  # type: ignore[no-untyped-def]
    """What Orion's uvicorn process serves (`ai_proxy:orion_app --factory`): Orion, and a
    count of the SQL statements its engine sent (an engine `before_cursor_execute`
    listener), read by the bench at STATEMENTS_PATH."""
    from sqlalchemy import event
    from starlette.responses import JSONResponse

    from orion.app import create_app
    from orion.settings import load_settings

    app = create_app(load_settings(), embedded_worker=False)
    sent = {"statements": 0}

    def count(*_args: object) -> None:
        sent["statements"] += 1

    event.listen(app.state.runtime.database.engine, "before_cursor_execute", count)
    app.add_route(STATEMENTS_PATH, lambda _request: JSONResponse(sent), methods=["GET"])
    if os.environ.get("BENCH_PROFILE"):
        dump = _profile_every_thread(Path(os.environ["BENCH_PROFILE"]))
        app.add_route(PROFILE_PATH, lambda _request: JSONResponse(dump()), methods=["POST"])
    return app


def _profile_every_thread(out: Path):  # type: ignore[no-untyped-def]
    """cProfile this process's threads (the event loop's and the thread pool's, where the
    database work runs); what merges them into `out` (`--profile`, at PROFILE_PATH)."""
    import cProfile
    import pstats
    import threading

    profiles = [cProfile.Profile()]

    def start_in_new_thread(*_args: object) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()  # replaces this hook for the thread

    def dump() -> dict[str, int]:
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(out)
        return {"threads": len(profiles)}

    threading.setprofile(start_in_new_thread)
    profiles[0].enable()
    return dump


def statements_sent(port: int) -> int:
    return int(httpx.get(f"http://127.0.0.1:{port}{STATEMENTS_PATH}").json()["statements"])


def runtime_for(database_url: str):  # type: ignore[no-untyped-def]
    from orion.kernel.runtime import build_runtime
    from orion.settings import load_settings

    return build_runtime(load_settings(database_url=database_url, log_level="WARNING"))


def seed(database_url: str, upstream_base: str) -> tuple[str, str, str]:
    """Migrate; a funded tenant calling MODEL through the local provider with no rate limits,
    and its admin. (email, tenant id, platform id)."""
    from orion.kernel.data.tenancy import set_tenant
    from orion.kernel.runtime.activation import ModuleScope
    from orion.kernel.tooling import migrate
    from orion.modules.ai_proxy import service as ai
    from orion.modules.ai_proxy.schemas import AiModelCreate, AiTenantLimitsUpdate
    from orion.modules.api_keys import service as api_keys
    from orion.modules.api_keys.schemas import TenantApiKeyCreate
    from orion.modules.auth import services as auth
    from orion.modules.credits import services as credits
    from orion.modules.tenancy import services as tenancy
    from orion.modules.tenancy.schemas import TenantCreate

    runtime = runtime_for(database_url)
    migrate.upgrade(runtime)
    email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
    with runtime.database.unit_of_work() as session:
        platform_id = runtime.directory.default_platform_id(session)
        tenant = tenancy.create_tenant(session, platform_id, data=TenantCreate(name="Bench AI"))
        context = tenancy.tenant_context(session, tenant.id)
        runtime.modules.enable(session, "ai_proxy", scope=ModuleScope(platform_id, tenant.id))
        user = auth.create_user(session, email=email, password=PASSWORD)
        tenancy.add_member(session, context, user_id=user.id, role="tenant_admin")
        ai.create_model(
            session,
            platform_id,
            data=AiModelCreate(
                name=MODEL,
                provider="openai_compatible",
                input_price=INPUT_PRICE,
                output_price=OUTPUT_PRICE,
                upstream_model=MODEL,
            ),
        )
    with runtime.database.unit_of_work() as session:
        set_tenant(session, context)
        api_keys.create_tenant_key(
            session,
            context,
            data=TenantApiKeyCreate(
                provider="openai_compatible",
                name="bench",
                api_key=PROVIDER_KEY,
                base_url=f"{upstream_base}/v1",
            ),
        )
        ai.set_limits(
            session, context, data=AiTenantLimitsUpdate(requests_per_minute=0, tokens_per_minute=0)
        )
        credits.add(session, context, amount=INITIAL, reason="bench", idempotency_key="seed")
    runtime.close()
    return email, str(context.tenant_id), str(platform_id)


@dataclass
class Books:
    usage: dict[str, int]  # records by status
    cost: int
    balance: int
    ledger_sum: int
    open_holds: int


def books(database_url: str, tenant_id: str, platform_id: str) -> Books:
    from sqlalchemy import func, select

    from orion.kernel.data.tenancy import TenantContext, all_tenants, set_tenant
    from orion.modules.ai_proxy.models import AiUsage
    from orion.modules.credits import services as credits

    runtime = runtime_for(database_url)
    context = TenantContext(uuid.UUID(tenant_id), uuid.UUID(platform_id))
    with runtime.database.unit_of_work() as session, all_tenants(session):
        rows = session.execute(
            select(AiUsage.status, func.count(), func.coalesce(func.sum(AiUsage.cost), 0))
            .where(AiUsage.tenant_id == context.tenant_id)
            .group_by(AiUsage.status)
        ).all()
    with runtime.database.unit_of_work() as session:
        set_tenant(session, context)
        balance = credits.get_balance(session, context)
        (ledger,) = [c for c in credits.verify(session) if c.tenant_id == context.tenant_id]
    runtime.close()
    return Books(
        usage={status: int(count) for status, count, _ in rows},
        cost=sum(int(cost) for _, _, cost in rows),
        balance=balance,
        ledger_sum=ledger.ledger_sum,
        open_holds=ledger.open_holds,
    )


def settled_books(database_url: str, tenant_id: str, platform_id: str, answered: int) -> Books:
    """The books once every answered call is recorded: the gateway settles after the
    answer has left, so the last records may come a moment after the last answer."""
    deadline = time.monotonic() + 15
    while True:
        state = books(database_url, tenant_id, platform_id)
        if sum(state.usage.values()) >= answered or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


# -- the load --------------------------------------------------------------------------------


@dataclass
class Load:
    """One target loaded for a while: the answers and what went wrong."""

    latencies: list[float] = field(default_factory=list)  # seconds, 200 answers
    first_bytes: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[int, str] = field(default_factory=dict)  # a non-200 body per status
    elapsed: float = 0.0
    cpu: float = float("nan")  # CPU seconds the server's processes used meanwhile
    statements: int | None = None  # SQL statements the server sent meanwhile (Orion only)

    @property
    def ok(self) -> int:
        return self.statuses[200]

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_per_call(self) -> float:
        return self.cpu / self.ok * 1000 if self.ok else float("nan")

    @property
    def statements_per_call(self) -> float:
        calls = self.ok + self.failed
        return self.statements / calls if self.statements is not None and calls else float("nan")

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)

    def p(self, q: float, first_byte: bool = False) -> float:
        values = sorted(self.first_bytes if first_byte else self.latencies)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending the same request again as each answer arrives."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.sent_at = 0.0
        self.first_at: float | None = None
        self.body: list[bytes] = []
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.run.connections.add(self)
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.busy, self.first_at, self.body = True, None, []
        self.sent_at = time.perf_counter()
        self.transport.write(self.run.request)

    def data_received(self, data: bytes) -> None:
        if self.first_at is None:
            self.first_at = time.perf_counter()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.run.load.errors[f"unreadable answer ({exc})"] += 1
            self.busy = False
            assert self.transport is not None
            self.transport.close()

    def on_body(self, body: bytes) -> None:
        if self.parser.get_status_code() != 200:
            self.body.append(body)

    def on_message_complete(self) -> None:
        now = time.perf_counter()
        self.busy = False
        load, status = self.run.load, self.parser.get_status_code()
        load.statuses[status] += 1
        if status == 200:
            load.latencies.append(now - self.sent_at)
            load.first_bytes.append((self.first_at or now) - self.sent_at)
        elif status not in load.samples:
            load.samples[status] = b"".join(self.body)[:400].decode(errors="replace")
        self.run.last_answer = now
        assert self.transport is not None
        if now < self.run.deadline and self.parser.should_keep_alive():
            self._send()
        else:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.run.connections.discard(self)
        if self.busy:
            self.run.load.errors[type(exc).__name__ if exc else "closed before answering"] += 1
            self.busy = False
        if not self.closed.done():
            self.closed.set_result(None)


@dataclass
class _Run:
    request: bytes
    deadline: float
    load: Load
    connections: set[_Connection] = field(default_factory=set)
    last_answer: float = 0.0


async def _load(port: int, request: bytes, seconds: float, connections: int) -> Load:
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    run = _Run(request=request, deadline=started + seconds, load=Load())

    async def worker() -> None:
        while time.perf_counter() < run.deadline:
            try:
                _, connection = await loop.create_connection(
                    lambda: _Connection(run), "127.0.0.1", port
                )
            except OSError as exc:
                run.load.errors[f"connect: {exc.strerror or exc}"] += 1
                await asyncio.sleep(0.05)
                continue
            await connection.closed

    try:
        await asyncio.wait_for(
            asyncio.gather(*(worker() for _ in range(connections))), seconds + DRAIN_SECONDS
        )
    except TimeoutError:
        for connection in list(run.connections):
            if connection.busy:
                run.load.errors[f"no answer {DRAIN_SECONDS:.0f} s after the end"] += 1
                connection.busy = False
            assert connection.transport is not None
            connection.transport.abort()
    run.load.elapsed = max(run.last_answer, run.deadline) - started
    return run.load


def measure(port: int, request: bytes, seconds: float, connections: int) -> Load:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_load(port, request, seconds, connections))
    return uvloop.run(_load(port, request, seconds, connections))


def chat_body(*, stream: bool) -> bytes:
    body: dict[str, object] = {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are a terse assistant."},
            {"role": "user", "content": "Say something about foxes and dogs."},
        ],
        "max_tokens": 16,
    }
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return json.dumps(body).encode()


def chat_request(port: int, key: str, *, stream: bool) -> bytes:
    content = chat_body(stream=stream)
    return (
        f"POST {CHAT} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(content)}\r\n\r\n"
    ).encode() + content


def check_answer(base: str, key: str, *, stream: bool) -> str | None:
    """One call before the load: what is wrong with the answer, or None."""
    try:
        answer = httpx.post(
            base + CHAT,
            content=chat_body(stream=stream),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            timeout=30,
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if answer.status_code != 200:
        return f"{answer.status_code} {answer.text[:400]}"
    if stream:
        events = [line for line in answer.text.splitlines() if line.startswith("data: ")]
        if not events or events[-1] != "data: [DONE]" or '"usage"' not in answer.text:
            return f"not a complete stream with usage: {answer.text[:300]}"
    elif "usage" not in answer.json() or not answer.json().get("choices"):
        return f"no choices or usage: {answer.text[:300]}"
    return None


# -- processes -------------------------------------------------------------------------------


def start(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{tail(log)}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"not ready after {timeout:.0f} s:\n{tail(log)}")


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by the live processes of a process group (Linux's /proc;
    NaN elsewhere). Each server is started in a session, hence a group, of its own."""
    if not Path("/proc/self/stat").exists():
        return float("nan")
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:  # after the name: state, ppid, pgrp, ... utime, stime
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ORION_", "LITELLM_"))}


def litellm_install(venv: Path, timeout: float, log: Path) -> tuple[Path | None, str]:
    """litellm's proxy in a virtualenv of its own, kept between runs. (executable, how)."""
    executable, ready = venv / "bin" / "litellm", venv / ".orion-bench-ready"
    if executable.exists() and ready.exists():
        return executable, f"cached in {venv}"
    started = time.monotonic()
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "litellm[proxy]"],
    ]
    if (venv / "bin" / "pip").exists():
        steps = steps[1:]
    for step in steps:
        left = timeout - (time.monotonic() - started)
        process = start(step, log)
        try:
            process.wait(timeout=max(left, 1))
        except subprocess.TimeoutExpired:
            stop(process)
            return None, f"installing took more than {timeout:.0f} s (--litellm-install-timeout)"
        finally:
            stop(process)
        if process.returncode != 0:
            return None, f"`{' '.join(step[-2:])}` failed ({process.returncode}):\n{tail(log, 8)}"
    if not executable.exists():
        return None, f"no {executable} after installing"
    ready.write_text("litellm[proxy] installed by bench/ai_proxy.py\n")
    return executable, f"installed in {venv} ({time.monotonic() - started:.0f} s)"


def start_litellm(
    executable: Path, upstream_base: str, workdir: Path
) -> tuple[subprocess.Popen, int, float]:
    config = workdir / "litellm.yaml"
    config.write_text(
        json.dumps(  # JSON is YAML
            {
                "model_list": [
                    {
                        "model_name": MODEL,
                        "litellm_params": {
                            "model": f"openai/{MODEL}",
                            "api_base": f"{upstream_base}/v1",
                            "api_key": PROVIDER_KEY,
                        },
                    }
                ],
                "general_settings": {"master_key": LITELLM_KEY},
            },
            indent=2,
        )
    )
    port = free_port()
    env = {
        **clean_env(),
        "LITELLM_LOG": "WARNING",  # also keeps uvicorn's access log off, as for Orion
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no fetch from GitHub at start
    }
    log = workdir / "litellm.log"
    args = [str(executable), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    process = start(args, log, env)
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}/health/liveliness", process, log, 90)
    except BaseException:
        stop(process)
        raise
    return process, port, ready


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    port: int
    key: str
    process: subprocess.Popen
    loads: dict[str, Load] = field(default_factory=dict)
    answered: int = 0  # every answer Orion sent, warm-up and checks included (its usage rows)
    answered_ok: int = 0


def run_target(target: Target, scenario: str, options: argparse.Namespace) -> None:
    stream = scenario == "streamed"
    request = chat_request(target.port, target.key, stream=stream)
    warm = measure(target.port, request, WARMUP_SECONDS, options.connections)
    counted = target.name == "orion"
    sent = statements_sent(target.port) if counted else 0
    before = group_cpu(target.process.pid)
    load = measure(target.port, request, options.seconds, options.connections)
    load.cpu = group_cpu(target.process.pid) - before
    if counted:
        load.statements = statements_sent(target.port) - sent
    for each in (warm, load):
        target.answered += each.ok + each.failed
        target.answered_ok += each.ok
    target.loads[scenario] = load


def report(targets: list[Target], scenarios: list[str]) -> None:
    direct, orion = targets[0], targets[1]
    litellm = targets[2] if len(targets) > 2 else None
    for scenario in scenarios:
        streamed = scenario == "streamed"
        first = f"{'1st byte p50':>14}" if streamed else ""
        print(f"\n{scenario:16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{first}", end="")
        print(f"{'cpu ms/call':>13}{'sql/call':>10}{'non-200':>9}{'errors':>8}")
        for target in targets:
            load = target.loads[scenario]
            first = f"{load.p(0.5, first_byte=True):>14.2f}" if streamed else ""
            print(
                f"{target.name:16}{load.rps:>9.0f}{load.p(0.5):>9.2f}{load.p(0.99):>9.2f}{first}"
                f"{load.cpu_per_call:>13.3f}{load.statements_per_call:>10.2f}"
                f"{load.failed:>9}{sum(load.errors.values()):>8}"
            )
        base = direct.loads[scenario]
        for proxy in (orion, litellm):
            if proxy is None:
                continue
            load = proxy.loads[scenario]
            print(
                f"added by {proxy.name}: p50 +{load.p(0.5) - base.p(0.5):.2f} ms, "
                f"p99 +{load.p(0.99) - base.p(0.99):.2f} ms; throughput {proxy.name}/direct "
                f"{load.rps / base.rps:.4f}"
            )
        if litellm is not None:
            ours, theirs = orion.loads[scenario], litellm.loads[scenario]
            print(
                f"orion / litellm: throughput {ours.rps / theirs.rps:.2f}, "
                f"p50 x{ours.p(0.5) / theirs.p(0.5):.2f}, "
                f"p99 x{ours.p(0.99) / theirs.p(0.99):.2f}, "
                f"CPU per call x{ours.cpu_per_call / theirs.cpu_per_call:.2f}"
            )
        for target in targets:
            load = target.loads[scenario]
            for status, count in sorted(load.statuses.items()):
                if status != 200:
                    print(f"  {target.name}: {count} x {status}: {load.samples.get(status, '')}")
            for error, count in load.errors.most_common():
                print(f"  {target.name}: {count} x {error}")


def orion_log_summary(log: Path) -> tuple[int, Counter[str]]:
    """Warnings and errors Orion logged (JSON lines), by event."""
    events: Counter[str] = Counter()
    other = 0
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            if line.strip():
                other += 1
                events[line.strip()[:120]] += 1
            continue
        if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
            events[f"{entry['level']}: {entry.get('event')}"] += 1
    return sum(events.values()), events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=5, help="measured, per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure streamed answers",
    )
    parser.add_argument(
        "--litellm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="measure litellm's proxy too (default: when installed or installable in time)",
    )
    parser.add_argument("--litellm-venv", type=Path, default=Path("/tmp/orion-bench-litellm"))
    parser.add_argument("--litellm-install-timeout", type=float, default=300)
    parser.add_argument(
        "--profile",
        type=Path,
        help="cProfile Orion's process (every thread) into this file (slows Orion down)",
    )
    options = parser.parse_args()
    # Stop cleanly (servers stopped, database dropped) on SIGTERM as on Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)

    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="orion-bench-ai-"))
    processes: list[subprocess.Popen] = []
    database_url = None
    exact = True
    try:
        executable, why = None, "off (--no-litellm)"
        if options.litellm is not False:
            executable, why = litellm_install(
                options.litellm_venv, options.litellm_install_timeout, workdir / "pip.log"
            )
        print(f"litellm: {why}")

        upstream_port = free_port()
        upstream_base = f"http://127.0.0.1:{upstream_port}"
        upstream_log = workdir / "upstream.log"
        upstream = start(
            [sys.executable, str(ROOT / "bench" / "ai_upstream.py"), "--port", str(upstream_port)],
            upstream_log,
        )
        processes.append(upstream)
        wait_ready(f"{upstream_base}/health", upstream, upstream_log, 15)

        database_url = create_database(options.database_url)
        email, tenant_id, platform_id = seed(database_url, upstream_base)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **clean_env(),
            "ORION_DATABASE_URL": database_url,
            "ORION_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), *sys.path]),  # this orion
            **({"BENCH_PROFILE": str(options.profile.resolve())} if options.profile else {}),
        }
        orion_log = workdir / "orion.log"
        server = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "ai_proxy:orion_app",
                "--factory",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            orion_log,
            env,
        )
        processes.append(server)
        wait_ready(f"{base}/health", server, orion_log, 30)
        signed_in = httpx.post(
            f"{base}/api/v1/public/auth/login", data={"username": email, "password": PASSWORD}
        )
        signed_in.raise_for_status()
        created = httpx.post(
            f"{base}/api/v1/auth/tokens",
            json={"name": "bench", "scopes": ["ai_proxy.use"]},
            headers={
                "Authorization": f"Bearer {signed_in.json()['access_token']}",
                "X-Tenant-ID": tenant_id,
            },
        )
        created.raise_for_status()

        targets = [
            Target("direct", upstream_port, PROVIDER_KEY, upstream),
            Target("orion", port, created.json()["token"], server),
        ]
        if executable is not None:
            try:
                litellm, litellm_port, ready = start_litellm(executable, upstream_base, workdir)
            except RuntimeError as exc:
                print(f"litellm: did not start, measured without it: {exc}")
            else:
                processes.append(litellm)
                print(f"litellm: proxy ready in {ready:.1f} s")
                targets.append(Target("litellm", litellm_port, LITELLM_KEY, litellm))

        scenarios = ["non-streamed", *(["streamed"] if options.stream else [])]
        for target in list(targets):
            for scenario in scenarios:
                problem = check_answer(
                    f"http://127.0.0.1:{target.port}", target.key, stream=scenario == "streamed"
                )
                if problem is None:
                    target.answered += 1
                    target.answered_ok += 1
                    continue
                if target.name == "litellm":
                    print(f"litellm: {scenario} call failed, measured without it: {problem}")
                    targets.remove(target)
                    break
                log = {"orion": orion_log, "direct": upstream_log}[target.name]
                sys.exit(f"{target.name}: {scenario} call failed: {problem}\n{tail(log)}")

        for scenario in scenarios:
            for target in targets:
                run_target(target, scenario, options)

        orion = targets[1]
        if options.profile:
            dumped = httpx.post(f"{base}{PROFILE_PATH}", timeout=120).json()
            print(f"profile: {options.profile} ({dumped['threads']} threads)")
        state = settled_books(database_url, tenant_id, platform_id, orion.answered)
        print(
            f"\nAI gateway: POST {CHAT}, {options.connections} connections, "
            f"{options.seconds:g} s per target and kind (after {WARMUP_SECONDS:g} s of warm-up), "
            "1 uvicorn worker each, PostgreSQL"
        )
        report(targets, scenarios)

        recorded = sum(state.usage.values())
        by_status = ", ".join(f"{s} {n}" for s, n in sorted(state.usage.items())) or "none"
        usage_exact = state.usage.get("ok", 0) == orion.answered_ok and recorded == orion.answered
        verified = state.balance == state.ledger_sum and state.open_holds == 0
        charged = state.balance == INITIAL - state.cost
        print(
            f"\norion usage records  {recorded} ({by_status}) for {orion.answered} answered "
            f"calls, {orion.answered_ok} of them 200: {'exact' if usage_exact else 'WRONG'}"
        )
        print(
            f"credits verify       balance {state.balance} = ledger sum {state.ledger_sum}, "
            f"open holds {state.open_holds}: {'exact' if verified else 'WRONG'}"
        )
        print(
            f"charged              {INITIAL} - {state.cost} (the usage records' costs) = "
            f"{INITIAL - state.cost}: {'exact' if charged else 'WRONG'}"
        )
        count, events = orion_log_summary(orion_log)
        print(f"orion log            {count} warnings or errors")
        for event, times in events.most_common(8):
            print(f"  {times} x {event}")
        exact = usage_exact and verified and charged
        print(f"({time.monotonic() - began:.0f} s in all)")
    finally:
        for process in reversed(processes):
            stop(process)
        if database_url is not None:
            drop_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)
    if not exact:
        sys.exit(1)


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
