"""Credits contention: many clients deducting from one tenant at once, on PostgreSQL.

    .venv/bin/python bench/credits_contention.py [--database-url postgresql://...]
        [--seconds 10] [--clients 64] [--processes 4]

Creates a throw-away database, migrates it, makes one tenant with the credits module on and
a large balance, then runs `--clients` clients (threads spread over `--processes`
processes, each client with its own connection) calling `credits.service.deduct` (one unit
of work each: a request's worth of work, with its idempotency key) for `--seconds`. It
prints deductions per second, then proves the end state: the balance equals the initial
balance minus the deductions the clients saw succeed, and `verify()` finds the ledger sum
equal to it. The reference, in the same run on the same server: pgbench's TPS for the same
single-row conditional update (`UPDATE ... SET balance = balance - 1 WHERE id = 1 AND
balance >= 1`) at the same concurrency, and the ratio.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

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
    from orion.kernel.data.tenancy import set_tenant
    from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID, ModuleScope
    from orion.kernel.tooling import migrate
    from orion.modules.credits import service as credits
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
    with runtime.database.unit_of_work() as session:
        set_tenant(session, context)
        credits.add(session, context, amount=INITIAL, reason="bench", idempotency_key="seed")
    runtime.close()
    return str(context.tenant_id), str(context.platform_id)


def clients_process(
    database_url: str, tenant: tuple[str, str], clients: int, seconds: float, start_at: float
) -> tuple[int, int]:
    """Run `clients` threads deducting 1 credit per unit of work until the time is up;
    (deductions that succeeded, errors)."""
    from orion.kernel.data.tenancy import TenantContext, set_tenant
    from orion.modules.credits import service as credits

    runtime = runtime_for(database_url, clients)
    context = TenantContext(uuid.UUID(tenant[0]), uuid.UUID(tenant[1]))
    counts = [0] * clients
    errors = [0] * clients

    def client(index: int) -> None:
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        while time.time() < deadline:
            try:
                with runtime.database.unit_of_work() as session:
                    set_tenant(session, context)
                    credits.deduct(
                        session, context, amount=1, idempotency_key=f"b-{uuid.uuid4().hex}"
                    )
                counts[index] += 1
            except Exception:
                errors[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runtime.close()
    return sum(counts), sum(errors)


def check(database_url: str, tenant: tuple[str, str], deducted: int) -> tuple[int, bool]:
    from orion.kernel.data.tenancy import TenantContext, set_tenant
    from orion.modules.credits import service as credits

    runtime = runtime_for(database_url, 2)
    context = TenantContext(uuid.UUID(tenant[0]), uuid.UUID(tenant[1]))
    with runtime.database.unit_of_work() as session:
        set_tenant(session, context)
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
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    return float(re.search(r"tps = ([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--processes", type=int, default=4)
    options = parser.parse_args()
    if options.clients % options.processes:
        sys.exit("--clients must be a multiple of --processes")

    database_url = create_database(options.database_url)
    try:
        tenant = seed(database_url)
        per_process = options.clients // options.processes
        start_at = time.time() + 3  # every process connected and waiting
        with multiprocessing.get_context("spawn").Pool(options.processes) as pool:
            results = pool.starmap(
                clients_process,
                [(database_url, tenant, per_process, options.seconds, start_at)]
                * options.processes,
            )
        deducted = sum(done for done, _ in results)
        errors = sum(failed for _, failed in results)
        balance, exact = check(database_url, tenant, deducted)
        reference = pgbench(database_url, options.clients, options.seconds)
    finally:
        drop_database(database_url)

    rate = deducted / options.seconds
    print(f"clients {options.clients} ({options.processes} processes), {options.seconds} s")
    print(f"orion credits.deduct   {rate:10.0f} deductions/s   ({deducted} ok, {errors} errors)")
    verdict = "exact" if exact else "WRONG"
    print(f"final balance          {balance} = {INITIAL} - {deducted}: {verdict}")
    print(f"pgbench single-row UPDATE {reference:7.0f} tps")
    print(f"ratio orion / pgbench  {rate / reference:10.2f}")
    if not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
