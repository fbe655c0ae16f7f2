"""Task latency on Redis: from `send_task` to the first line of the task's own code.

Orion side: settings with the broker set and the `bench_probe` module (bench/bench_probe)
loaded as an extra module, the database upgraded, and a real worker process,
`orion worker -Q default -c 1 --pool solo`. The probe task returns
`time.time() - sent_at`, where `sent_at` is the sender's `time.time()` just before
`send_task`, so the figure includes Orion's per-task work (task-run row, session, tenant
context) but not the task's own.

Reference, same run: a bare Celery app (bench/bare_probe.py, same transport settings, no
Orion) run by `celery -A bare_probe worker --pool solo -c 1` on another Redis database.

Both workers run side by side (started one at a time, each timed until its first result);
then `--rounds` rounds, alternating which side goes first, each with a share of `--count`
tasks one after the other (send, wait for the result, send the next) and a burst of
`--burst` tasks sent at once and collected afterwards. Interleaving spreads the machine's
noise over both sides, so the ratio Orion/bare is steadier than either figure.

    .venv/bin/python bench/task_latency.py [--broker redis://127.0.0.1:6379/15]
        [--bare-broker redis://127.0.0.1:6379/12] [--database-url postgresql://...]

Give it two Redis databases of its own (not 14, which CI's test suite uses): it refuses a
database that holds keys (unless --flush-first), and at the end flushes each database if
it holds nothing but this run's keys, else deletes only this run's results.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))


class Budget:
    """The whole run stops by itself after `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def timeout(self, wanted: float) -> float:
        left = self.left()
        if left <= 0:
            raise SystemExit("time budget spent; stopping (raise --budget to measure more)")
        return min(wanted, left)


@dataclass
class Figures:
    ready_s: float = 0.0
    sequential: list[float] = field(default_factory=list)  # enqueue -> start, seconds
    round_trip: list[float] = field(default_factory=list)  # send -> result received
    sequential_wall: float = 0.0
    burst: list[float] = field(default_factory=list)
    burst_send_wall: float = 0.0
    burst_wall: float = 0.0
    # PostgreSQL only: transactions and rows written in the database per measured task.
    per_task_database: dict[str, float] = field(default_factory=dict)


@dataclass
class Side:
    """One worker under test and its figures."""

    label: str
    sender: Callable[[float], Any]  # sent_at -> AsyncResult
    command: list[str]
    env: dict[str, str]
    figures: Figures = field(default_factory=Figures)
    task_ids: set[str] = field(default_factory=set)  # what to clean up afterwards

    def send(self, sent_at: float) -> Any:
        result = self.sender(sent_at)
        self.task_ids.add(result.id)
        return result


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def other_db(url: str) -> str:
    """The same Redis server, database 12 (11 if the broker is on 12).

    Not 14: CI runs the test suite's Redis on database 14 (ORION_TEST_BROKER_URL).
    """
    parts = urlsplit(url)
    current = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{11 if current == 12 else 12}"))


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=5)


def check_empty(url: str, flush_first: bool) -> None:
    """Refuse a Redis database that holds keys (someone else's?) unless told to flush it."""
    client = redis_client(url)
    try:
        keys = client.dbsize()
        if keys and not flush_first:
            raise SystemExit(
                f"{url} holds {keys} keys: this benchmark wants a Redis database of its own "
                "(pick another with --broker/--bare-broker, or --flush-first if they are "
                "left over from an interrupted run)"
            )
        if keys:
            client.flushdb()
    finally:
        client.close()


def clean_up(url: str, task_ids: set[str]) -> None:
    """Flush the database if it holds nothing but this run's keys; else delete only ours."""
    ours = {f"celery-task-meta-{task_id}".encode() for task_id in task_ids}
    client = redis_client(url)
    try:
        foreign = [
            key
            for key in client.scan_iter(count=1000)
            if key not in ours
            and not key.startswith((b"_kombu.", b"unacked"))
            and key not in (b"default", b"celery")
        ]
        if not foreign:
            client.flushdb()
            return
        ours_list = sorted(ours)
        for start in range(0, len(ours_list), 500):
            client.delete(*ours_list[start : start + 500])
        print(
            f"{url}: {len(foreign)} keys that are not this run's appeared during it "
            "(someone else uses this database); deleted only this run's results",
            file=sys.stderr,
        )
    finally:
        client.close()


def child_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    paths = [str(BENCH_DIR), *filter(None, [env.get("PYTHONPATH")])]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


def log_tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running(
    side: Side, cwd: str, log_dir: str | None, args: argparse.Namespace, budget: Budget
) -> Iterator[None]:
    """Start the side's worker, wait until it has run a task; always terminate it."""
    from celery.exceptions import TimeoutError as ResultTimeout

    name = side.label.lower().replace(" ", "-")
    log_path = Path(log_dir or cwd) / f"{name}-worker.log"
    with log_path.open("wb") as log:
        launched = time.monotonic()
        process = subprocess.Popen(side.command, env=side.env, cwd=cwd, stdout=log, stderr=log)
        try:
            # Ready: the first task comes back (it waits in the queue while the worker starts).
            first = side.send(time.time())
            while True:
                if process.poll() is not None:
                    raise SystemExit(
                        f"{side.label} worker exited with {process.returncode}:\n"
                        f"{log_tail(log_path)}"
                    )
                try:
                    first.get(timeout=budget.timeout(1.0))
                    break
                except ResultTimeout:
                    if time.monotonic() - launched > args.ready_timeout:
                        raise SystemExit(
                            f"{side.label} worker did not answer in {args.ready_timeout}s:\n"
                            f"{log_tail(log_path)}"
                        ) from None
            side.figures.ready_s = time.monotonic() - launched
            for _ in range(args.warmup):
                side.send(time.time()).get(timeout=budget.timeout(args.task_timeout))
            yield
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # warm shutdown
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def sequential(side: Side, count: int, args: argparse.Namespace, budget: Budget) -> None:
    """`count` tasks one after the other: send, wait for the result, send the next."""
    figures = side.figures
    started = time.perf_counter()
    for _ in range(count):
        sent_at = time.time()
        result = side.send(sent_at)
        figures.sequential.append(result.get(timeout=budget.timeout(args.task_timeout)))
        figures.round_trip.append(time.time() - sent_at)
    figures.sequential_wall += time.perf_counter() - started


def burst(side: Side, count: int, args: argparse.Namespace, budget: Budget) -> None:
    """`count` tasks sent at once, then their results collected."""
    figures = side.figures
    started = time.perf_counter()
    pending = [side.send(time.time()) for _ in range(count)]
    figures.burst_send_wall += time.perf_counter() - started
    for result in pending:
        figures.burst.append(result.get(timeout=budget.timeout(args.task_timeout)))
    figures.burst_wall += time.perf_counter() - started


def database_activity(database_url: str) -> dict[str, float] | None:
    """PostgreSQL's counters for the database (every connection to it: here, the worker's);
    None on SQLite, which keeps none."""
    if not database_url.startswith("postgresql"):
        return None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as db:
        row = db.execute(
            "SELECT xact_commit + xact_rollback, tup_inserted, tup_updated"
            " FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return {"transactions": row[0], "rows inserted": row[1], "rows updated": row[2]}


def orion_side(args: argparse.Namespace, stack: ExitStack) -> Side:
    from orion.kernel.runtime import build_runtime
    from orion.kernel.runtime.worker import create_celery
    from orion.kernel.tooling import migrate
    from orion.settings import OrionSettings

    settings = OrionSettings(
        database_url=args.database_url,
        broker_url=args.broker,
        extra_modules=["bench_probe"],
        log_level="WARNING",
    )
    runtime = build_runtime(settings)
    stack.callback(runtime.close)
    migrate.upgrade(runtime)
    celery = create_celery(runtime=runtime)
    if "bench_probe.stamp" not in celery.tasks:
        raise SystemExit("bench_probe.stamp was not registered by create_celery()")

    def send(sent_at: float) -> Any:
        return celery.send_task("bench_probe.stamp", kwargs={"sent_at": sent_at}, queue="default")

    return Side(
        label="Orion",
        sender=send,
        command=[str(BIN / "orion"), "worker", "-Q", "default", "-c", "1", "--pool", "solo"],
        env=child_env(
            ORION_DATABASE_URL=settings.database_url,
            ORION_BROKER_URL=args.broker,
            ORION_EXTRA_MODULES='["bench_probe"]',
        ),
    )


def bare_side(args: argparse.Namespace) -> Side:
    import bare_probe

    celery = bare_probe.make_app(args.bare_broker)

    def send(sent_at: float) -> Any:
        return celery.send_task("bare_probe.stamp", kwargs={"sent_at": sent_at}, queue="celery")

    return Side(
        label="bare Celery",
        sender=send,
        command=[
            str(BIN / "celery"),
            "-A",
            "bare_probe",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--queues=celery",
            "--loglevel=INFO",  # the options `orion worker` passes
            "--without-gossip",
            "--without-mingle",
        ],
        env=child_env(BENCH_BARE_BROKER=args.bare_broker),
    )


def run(args: argparse.Namespace, workdir: str, budget: Budget, sides: list[Side]) -> None:
    """Both workers up (started one at a time), then rounds that alternate the sides."""
    with ExitStack() as stack:
        sides.append(orion_side(args, stack))
        if not args.skip_bare:
            sides.append(bare_side(args))
        for side in sides:
            stack.enter_context(running(side, workdir, args.log_dir, args, budget))
        rounds = max(1, args.rounds)
        chunks = [args.count // rounds + (i < args.count % rounds) for i in range(rounds)]
        before = database_activity(args.database_url)
        for number, chunk in enumerate(chunks):
            order = sides if number % 2 == 0 else sides[::-1]  # neither side always first
            for side in order:
                sequential(side, chunk, args, budget)
            for side in order:
                burst(side, args.burst, args, budget)
        if before is not None:
            orion = sides[0]
            # A backend reports its counters at the end of a transaction at most once a
            # second: one more task after a pause makes the worker report the rest.
            time.sleep(1.2)
            orion.send(time.time()).get(timeout=budget.timeout(args.task_timeout))
            after = database_activity(args.database_url)
            tasks = len(orion.figures.sequential) + len(orion.figures.burst) + 1
            orion.figures.per_task_database = {
                key: (after[key] - before[key] - (1 if key == "transactions" else 0)) / tasks
                for key in before
            }


def report(args: argparse.Namespace, orion: Figures, bare: Figures | None) -> None:
    def ms(value: float) -> str:
        return f"{value * 1000:10.2f}"

    rows: list[tuple[str, Callable[[Figures], float], Callable[[float], str]]] = [
        ("worker ready (start -> 1st result) s", lambda f: f.ready_s, lambda v: f"{v:10.2f}"),
        (
            f"sequential x{len(orion.sequential)}: p50 ms",
            lambda f: percentile(f.sequential, 50),
            ms,
        ),
        ("  p95 ms", lambda f: percentile(f.sequential, 95), ms),
        ("  p99 ms", lambda f: percentile(f.sequential, 99), ms),
        ("  mean ms", lambda f: statistics.fmean(f.sequential), ms),
        ("  round trip (to result) p50 ms", lambda f: percentile(f.round_trip, 50), ms),
        (
            "  throughput tasks/s",
            lambda f: len(f.sequential) / f.sequential_wall,
            lambda v: f"{v:10.1f}",
        ),
        (
            f"{len(orion.burst) // args.burst} bursts x{args.burst}: p50 ms",
            lambda f: percentile(f.burst, 50),
            ms,
        ),
        ("  p95 ms", lambda f: percentile(f.burst, 95), ms),
        ("  p99 ms", lambda f: percentile(f.burst, 99), ms),
        ("  throughput tasks/s", lambda f: len(f.burst) / f.burst_wall, lambda v: f"{v:10.1f}"),
        (
            "  enqueue rate tasks/s",
            lambda f: len(f.burst) / f.burst_send_wall,
            lambda v: f"{v:10.1f}",
        ),
    ]
    print("\nenqueue -> start of the task's code (sender's time.time() to the task's)")
    print(f"{'':38} {'Orion':>10} {'bare':>10} {'Orion/bare':>11}")
    for title, pick, show in rows:
        value = pick(orion)
        if bare is None:
            print(f"{title:38} {show(value)}")
            continue
        reference = pick(bare)
        ratio = value / reference if reference else float("nan")
        print(f"{title:38} {show(value)} {show(reference)} {ratio:11.2f}")
    print("(burst latencies include the time spent queued behind the rest of the burst)")
    if orion.per_task_database:
        print("\nOrion's database work per task (PostgreSQL's pg_stat_database, all connections):")
        for key, value in orion.per_task_database.items():
            print(f"  {key:36} {value:10.2f}")
    else:
        print("\n(database work per task: PostgreSQL only, with --database-url)")


def _interrupted(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--bare-broker", help="default: the --broker server, database 12")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--count", type=int, default=200, help="sequential tasks in all")
    parser.add_argument("--burst", type=int, default=200, help="tasks sent at once, per round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds alternating Orion and the reference"
    )
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured tasks first")
    parser.add_argument("--task-timeout", type=float, default=30.0)
    parser.add_argument("--ready-timeout", type=float, default=45.0)
    parser.add_argument("--budget", type=float, default=110.0, help="seconds for the whole run")
    parser.add_argument("--log-dir", help="keep the workers' logs here (default: discarded)")
    parser.add_argument(
        "--flush-first", action="store_true", help="flush the Redis databases if not empty"
    )
    parser.add_argument("--skip-bare", action="store_true", help="no reference run")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a broker that is not on loopback"
    )
    args = parser.parse_args()
    args.bare_broker = args.bare_broker or other_db(args.broker)
    budget = Budget(args.budget)

    for url in (args.broker, args.bare_broker):
        if not url.startswith("redis"):
            raise SystemExit(f"{url}: this benchmark measures Redis brokers only")
        if urlsplit(url).hostname not in LOOPBACK and not args.allow_remote:
            raise SystemExit(f"{url}: not a loopback address (use --allow-remote to insist)")
    if args.broker == args.bare_broker:
        raise SystemExit("--broker and --bare-broker must be different Redis databases")
    test_broker = os.environ.get("ORION_TEST_BROKER_URL")
    if test_broker in (args.broker, args.bare_broker):
        raise SystemExit(
            f"{test_broker} is the test suite's broker (ORION_TEST_BROKER_URL); "
            "this benchmark flushes its databases, pick others"
        )
    # Stop cleanly (workers terminated, Redis cleaned) on SIGTERM and on Ctrl-C, even when
    # started from a shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)

    with tempfile.TemporaryDirectory(prefix="orion-bench-tasks-") as workdir:
        args.database_url = args.database_url or f"sqlite:///{Path(workdir) / 'orion.db'}"
        print(f"broker {args.broker}  (reference: {args.bare_broker})")
        print(f"database {args.database_url}")
        used = [args.broker] if args.skip_bare else [args.broker, args.bare_broker]
        try:
            for url in used:
                check_empty(url, args.flush_first)
        except Exception as exc:  # redis.ConnectionError is not an OSError
            raise SystemExit(f"cannot reach Redis: {exc}") from None
        sides: list[Side] = []
        try:
            run(args, workdir, budget, sides)
        finally:
            for url, side in zip(used, sides, strict=False):
                try:
                    clean_up(url, side.task_ids)
                except Exception as exc:
                    print(f"could not clean up {url}: {exc}", file=sys.stderr)
        report(args, sides[0].figures, sides[1].figures if len(sides) > 1 else None)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
