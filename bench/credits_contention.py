"""Credits contention: many clients deducting from one tenant at once, on PostgreSQL.

    .venv/bin/python bench/credits_contention.py [--database-url postgresql://...]
        [--seconds 10] [--clients 64] [--processes 4] [--paths combined,unit-of-work]

Creates a throw-away database, migrates it, makes one tenant with the credits module on and
a large balance, then runs `--clients` clients (threads spread over `--processes`
processes) deducting 1 credit each, over and over, for `--seconds`, each deduction with
its own idempotency key. Two paths, one after the other:

- `combined`: `credits.services.deduct_and_commit`, what `POST /api/v1/credits/deductions`
  does: the process's concurrent deductions for the tenant are group-committed (one
  transaction, one balance update, one multi-row ledger insert per batch).
- `unit-of-work`: `credits.services.deduct` in a unit of work of its own per deduction,
  the path of a caller that deducts inside its own work (billing, the AI gateway).

Each prints deductions per second, SQL statements and COMMITs per deduction (counted with
the engine's `before_cursor_execute` and `commit` events) and, for `combined`, the mean
batch; then proves the end state: the balance equals the initial balance minus every
deduction the clients saw succeed, and `verify()` finds the ledger sum equal to it. The
reference, in the same run on the same server: pgbench's TPS for the same single-row
conditional update (`UPDATE ... SET balance = balance - 1 WHERE id = 1 AND balance >= 1`)
at the same concurrency, and each path's ratio to it.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from benchlib import create_database, drop_database
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

INITIAL = 10**12


def runtime_for(database_url: str, pool_size: int):  # type: ignore[no-untyped-def]
    from orion.kernel.runtime import build_runtime
    from orion.settings import load_settings

    return build_runtime(
        load_settings(database_url=database_url, log_level="WARNING", database_pool_size=pool_size)
    )


def seed(database_url: str) -> tuple[str, str]:
    """Migrate; one tenant with credits enabled and INITIAL credits. (tenant, platform)."""
    from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID, ModuleScope
    from orion.kernel.tooling import migrate
    from orion.modules.credits import services as credits
    from orion.modules.tenancy import services as tenancy
    from orion.modules.tenancy.schemas import TenantCreate

    runtime = runtime_for(database_url, 2)
    migrate.upgrade(runtime)
    with runtime.database.unit_of_work() as session:
        tenant = tenancy.create_tenant(session, DEFAULT_PLATFORM_ID, data=TenantCreate(name="B"))
        context = tenancy.tenant_context(session, tenant.id)
        runtime.modules.enable(
            session, "credits", scope=ModuleScope(context.platform_id, context.tenant_id)
        )
    with runtime.database.unit_of_work(tenant=context) as session:
        credits.add(session, context, amount=INITIAL, reason="bench", idempotency_key="seed")
    runtime.close()
    return str(context.tenant_id), str(context.platform_id)


def clients_process(
    database_url: str,
    tenant: tuple[str, str],
    path: str,
    clients: int,
    seconds: float,
    ready: Any,
) -> dict[str, int]:
    """Run `clients` threads deducting 1 credit per call on `path` until the time is up;
    deductions that succeeded, errors, statements, commits and (combined) batches."""
    from sqlalchemy import event

    from orion.kernel.data.tenancy import TenantContext
    from orion.modules.credits import services as credits
    from orion.modules.credits.services.combiner import combiner_for

    runtime = runtime_for(database_url, clients)
    database = runtime.database
    context = TenantContext(uuid.UUID(tenant[0]), uuid.UUID(tenant[1]))
    counts = [0] * clients
    errors = [0] * clients
    # next() on itertools.count is atomic under the GIL, unlike += from many threads.
    statements, commits = itertools.count(), itertools.count()

    def statement(*_args: object) -> None:
        next(statements)

    def commit(*_args: object) -> None:
        next(commits)

    def combined() -> None:
        credits.deduct_and_commit(database, context, amount=1, idempotency_key=new_key())

    def unit_of_work() -> None:
        with database.unit_of_work(tenant=context) as session:
            credits.deduct(session, context, amount=1, idempotency_key=new_key())

    deduct_once = combined if path == "combined" else unit_of_work

    started = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        started.wait()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                deduct_once()
                counts[index] += 1
            except Exception:
                errors[index] += 1

    event.listen(database.engine, "before_cursor_execute", statement)
    event.listen(database.engine, "commit", commit)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    with database.engine.connect():
        pass  # connected before the clock starts
    ready.wait()  # every process imported, built and connected: start together
    started.wait()
    for thread in threads:
        thread.join()
    stats = combiner_for(database).stats
    runtime.close()
    return {
        "deducted": sum(counts),
        "errors": sum(errors),
        "statements": next(statements),
        "commits": next(commits),
        "batches": stats.batches,
        "batched": stats.deductions,
        "alone": stats.alone,
    }


def new_key() -> str:
    return f"b-{uuid.uuid4().hex}"


def check(database_url: str, tenant: tuple[str, str], deducted: int) -> tuple[int, bool]:
    from orion.kernel.data.tenancy import TenantContext
    from orion.modules.credits import services as credits

    runtime = runtime_for(database_url, 2)
    context = TenantContext(uuid.UUID(tenant[0]), uuid.UUID(tenant[1]))
    with runtime.database.unit_of_work(tenant=context) as session:
        balance = credits.get_balance(session, context)
        (ledger,) = [c for c in credits.verify(session) if c.tenant_id == context.tenant_id]
    runtime.close()
    return balance, balance == INITIAL - deducted and ledger.ok


def pgbench(database_url: str, clients: int, seconds: int) -> float:
    url = make_url(database_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(
            text("CREATE TABLE bench_account (id int PRIMARY KEY, balance bigint NOT NULL)")
        )
        connection.execute(text(f"INSERT INTO bench_account VALUES (1, {INITIAL})"))
    engine.dispose()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "UPDATE bench_account SET balance = balance - 1 WHERE id = 1 AND balance >= 1;\n"
        )
    args = [
        "pgbench",
        "-n",
        "-f",
        script.name,
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
        url.database or "postgres",
    ]
    ran = subprocess.run(args, capture_output=True, text=True)
    Path(script.name).unlink()
    if ran.returncode:
        sys.exit(f"pgbench failed: {ran.stderr.strip()[-500:]}")
    output = ran.stdout
    return float(re.search(r"tps = ([\d.]+)", output).group(1))


PATHS = ("combined", "unit-of-work")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument(
        "--paths", default=",".join(PATHS), help="comma-separated: " + ", ".join(PATHS)
    )
    options = parser.parse_args()
    if options.clients % options.processes:
        sys.exit("--clients must be a multiple of --processes")
    paths = options.paths.split(",")
    if not paths or set(paths) - set(PATHS):
        sys.exit(f"--paths takes {', '.join(PATHS)}")

    database_url = create_database(options.database_url)
    measured: dict[str, dict[str, int]] = {}
    try:
        tenant = seed(database_url)
        per_process = options.clients // options.processes
        deducted_so_far = 0
        spawn = multiprocessing.get_context("spawn")
        for path in paths:
            with spawn.Manager() as manager, spawn.Pool(options.processes) as pool:
                ready = manager.Barrier(options.processes)
                results = pool.starmap(
                    clients_process,
                    [(database_url, tenant, path, per_process, options.seconds, ready)]
                    * options.processes,
                )
            totals = {name: sum(r[name] for r in results) for name in results[0]}
            deducted_so_far += totals["deducted"]
            totals["balance"], totals["exact"] = check(database_url, tenant, deducted_so_far)
            measured[path] = totals
        reference = pgbench(database_url, options.clients, options.seconds)
    finally:
        drop_database(database_url)

    print(f"clients {options.clients} ({options.processes} processes), {options.seconds} s")
    print(f"pgbench single-row UPDATE      {reference:8.0f} tps")
    exact = True
    for path, totals in measured.items():
        rate = totals["deducted"] / options.seconds
        done = max(totals["deducted"], 1)
        print(
            f"orion {path:<13} {rate:10.0f} deductions/s  ratio {rate / reference:5.2f}"
            f"  ({totals['deducted']} ok, {totals['errors']} errors)"
        )
        line = (
            f"    {totals['statements'] / done:.2f} statements, "
            f"{totals['commits'] / done:.3f} commits per deduction"
        )
        if path == "combined":
            mean = totals["batched"] / max(totals["batches"], 1)
            line += (
                f"; {totals['batches']} batches of {mean:.1f} on average,"
                f" {totals['alone']} deductions fell back to alone"
            )
        print(line)
        verdict = "exact" if totals["exact"] else "WRONG"
        print(f"    balance after: {totals['balance']} (ledger and balance: {verdict})")
        exact = exact and bool(totals["exact"])
    if not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
