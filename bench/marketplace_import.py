"""A Letzshop product feed imported into PostgreSQL through the real task, against COPY.

    python bench/marketplace_import.py [--rows 1000000] [--chunk 2000] [--inventory]
        [--server postgresql://orion_ci@127.0.0.1:5432/postgres]

It writes a tab-separated Google Shopping feed of `--rows` rows (about 280 bytes a row:
280 MB for a million), with a realistic share of bad rows (about 2 %: unreadable prices,
wrong GTIN check digits, missing titles, SKUs given twice) and a fifth of the rows variants
grouped by `item_group_id`. Then, in the same run, on a throw-away database:

* Orion: `marketplace.process_marketplace_import` run by Celery's task machinery
  (`ModuleTask`, the worker's code path) in a child process, which reports rows/s and its
  resident memory sampled every half second (peak, and the spread after the first tenth);
* the reference: `COPY ... FROM STDIN (FORMAT csv)` of the same file into a bare table of
  text columns, through psycopg;
* a second reference, the ceiling for any client: rows of the same kind made by one
  `INSERT ... SELECT generate_series` inside the server into the filled `catalog_product`
  (its indexes, full text included, and row-level security; no client work at all).

The goal (issue 15): Orion at least 0.3 of COPY's rows/s, memory flat below 150 MB. With
`--inventory` the tenant has the inventory module on and each quantity becomes a ledger
movement (much slower: the figures say how much). Where the server runs without
autovacuum (the test server does), a side connection runs ANALYZE every `--analyze-every`
seconds, as autovacuum would: without it the planner keeps the statistics of an empty
catalogue and reads every product of the store for each chunk's SKU lookup.
`BENCH_PROFILE=/tmp/import.prof` runs the import under cProfile.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchlib import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = [
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "price",
    "availability",
    "gtin",
    "brand",
    "item_group_id",
    "color",
    "size",
    "quantity",
]
WORDS = [
    "roasted",
    "arabica",
    "single",
    "origin",
    "espresso",
    "filter",
    "blend",
    "dark",
    "light",
    "organic",
    "fair",
]


def gtin(n: int) -> str:
    body = f"{4006381 * 100000 + n % 100000:012d}"[-12:]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def write_feed(path: Path, rows: int, seed: int = 15) -> dict[str, int]:
    """The feed; how many rows of each kind it has."""
    rng = random.Random(seed)
    counts = {"good": 0, "bad": 0}
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\t".join(COLUMNS) + "\n")
        n = 0
        while n < rows:
            group = None
            sizes = [""]
            if rng.random() < 0.07:  # a product in three sizes: 3 rows
                group, sizes = f"G{n:08d}", ["S", "M", "L"]
            for size in sizes[: rows - n]:
                words = " ".join(rng.choice(WORDS) for _ in range(4))
                sku = f"P{n:08d}"
                row = {
                    "id": sku,
                    "title": f"Coffee {words}"[:60],
                    "description": f"{words.capitalize()} beans, {n % 13 + 1} origins. " * 3,
                    "link": f"https://shop.example/p/{sku}",
                    "image_link": f"https://img.example/{sku}.jpg",
                    "price": f"{n % 90 + 4},{n % 100:02d} EUR",
                    "availability": "in stock",
                    "gtin": gtin(n),
                    "brand": "Roastery",
                    "item_group_id": group or "",
                    "color": "",
                    "size": size,
                    "quantity": str(n % 50),
                }
                roll = rng.random()
                if roll < 0.005:
                    row["price"] = "ask us"
                elif roll < 0.01:
                    row["gtin"] = row["gtin"][:-1] + str((int(row["gtin"][-1]) + 1) % 10)
                elif roll < 0.015:
                    row["title"] = ""
                elif roll < 0.02 and n > 10:
                    row["id"] = f"P{n - 7:08d}"  # given twice
                counts["bad" if roll < 0.02 else "good"] += 1
                out.write("\t".join(row[c].replace("\t", " ") for c in COLUMNS) + "\n")
                n += 1
    return counts


def copy_reference(database_url: str, path: Path) -> float:
    """Seconds to COPY the file into a bare table of text columns."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        columns = ", ".join(f'"{c}" text' for c in COLUMNS)
        connection.execute(f"CREATE TABLE bench_feed ({columns})")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            copy_sql = "COPY bench_feed FROM STDIN (FORMAT csv, DELIMITER E'\\t', HEADER true)"
            with cursor.copy(copy_sql) as copy, path.open("rb") as source:
                while chunk := source.read(1024 * 1024):
                    copy.write(chunk)
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE bench_feed")
    return elapsed


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _settings(database_url: str, chunk: int, storage: Path) -> Any:
    from orion.settings import OrionSettings

    return OrionSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        environment="test",
        log_level="WARNING",
        log_json=False,
        modules={"marketplace": {"import_chunk_rows": chunk, "storage_dir": str(storage)}},
    )


def seed(database_url: str, feed: Path, chunk: int, inventory: bool, storage: Path) -> str:
    """Migrate; a tenant with the module on, a store, the feed uploaded; the import's
    arguments (JSON). Done here so the child holds what a worker process holds."""
    from orion.kernel.data.tenancy import TenantContext
    from orion.kernel.runtime import build_runtime
    from orion.kernel.runtime.activation import ModuleScope
    from orion.kernel.tooling import migrate
    from orion.modules.marketplace.schemas import ImportPolicy
    from orion.modules.marketplace.services import imports
    from orion.modules.tenancy.schemas import StoreCreate, TenantCreate
    from orion.modules.tenancy.services import create_store, create_tenant

    runtime = build_runtime(_settings(database_url, chunk, storage))
    migrate.upgrade(runtime)
    with runtime.database.unit_of_work() as session:
        platform = runtime.directory.default_platform_id(session)
        row = create_tenant(session, platform, data=TenantCreate(name="Bench roastery"))
        tenant = TenantContext(row.id, row.platform_id)
        for code in ("marketplace", *(("inventory",) if inventory else ())):
            runtime.modules.enable(session, code, scope=ModuleScope(platform, row.id))
        store = create_store(session, tenant, data=StoreCreate(code="bench", name="Bench"))
    with runtime.database.unit_of_work(tenant=tenant) as session, feed.open("rb") as source:
        started = imports.start_upload(
            session,
            tenant,
            store_id=store.id,
            language="fr",
            policy=ImportPolicy.skip,
            filename=feed.name,
            source=source,
            send=False,
        )
        arguments = {
            "import_id": str(started.id),
            "tenant_id": str(tenant.tenant_id),
            "store_id": str(store.id),
        }
    runtime.close()
    return json.dumps(arguments)


def child(database_url: str, arguments: str, chunk: int, storage: Path) -> None:
    """Run the import's task as a worker runs it (Celery's task machinery, `ModuleTask`),
    sampling this process's memory; print the figures as JSON."""
    import uuid

    from orion.kernel.data.tenancy import TenantContext
    from orion.kernel.runtime import build_runtime
    from orion.kernel.runtime.worker import create_celery
    from orion.modules.marketplace.services import imports

    given = json.loads(arguments)
    runtime = build_runtime(_settings(database_url, chunk, storage))
    celery = create_celery(runtime=runtime)
    import_id, store_id = uuid.UUID(given["import_id"]), uuid.UUID(given["store_id"])
    with runtime.database.unit_of_work() as session:
        tenant: TenantContext = runtime.tenant_context(session, uuid.UUID(given["tenant_id"]))
    baseline = rss_mb()
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            samples.append(rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    began = time.perf_counter()
    sampler.start()
    task = celery.tasks[imports.IMPORT_TASK]
    kwargs = {"import_id": given["import_id"], "tenant_id": given["tenant_id"]}
    profile = os.environ.get("BENCH_PROFILE")  # a file: the run under cProfile, its stats there
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(task.apply, kwargs=kwargs)
        profiler.dump_stats(profile)
    else:
        result = task.apply(kwargs=kwargs)
    elapsed = time.perf_counter() - began
    stop.set()
    sampler.join()
    outcome = result.get()
    with runtime.database.unit_of_work(tenant=tenant) as session:
        done = imports.get_import(session, tenant, store_id=store_id, import_id=import_id)
        figures = {
            "state": done.state,
            "rows": done.rows_done,
            "created": done.created_count,
            "updated": done.updated_count,
            "failed": done.failed_count,
            "outcome": outcome,
        }
    steady = samples[len(samples) // 10 :] or samples or [rss_mb()]
    figures.update(
        seconds=elapsed,
        baseline_mb=baseline,
        peak_rss_mb=max(samples or [rss_mb()]),
        steady_min_mb=min(steady),
        steady_max_mb=max(steady),
    )
    runtime.close()
    print(json.dumps(figures))


def server_autovacuum(database_url: str) -> bool:
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute("SHOW autovacuum").fetchone()
    return bool(row and row[0] == "on")


class Analyzer(threading.Thread):
    """What autovacuum's ANALYZE would do on a server where it is switched off (the test
    server is): refresh the planner's statistics of the tables the import fills, every
    `every` seconds, from a connection of its own."""

    def __init__(self, database_url: str, every: float) -> None:
        super().__init__(daemon=True)
        from sqlalchemy.engine import make_url

        self.dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self.every = every
        self.runs = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while not self.stopped.wait(self.every):
                connection.execute("ANALYZE catalog_product, catalog_variant")
                self.runs += 1


def server_ceiling(database_url: str, arguments: str, rows: int) -> float:
    """Rows/s of the same kind of rows made by one INSERT ... SELECT inside the server (no
    client at all), into the table the import just filled: what the catalogue's indexes
    (full text included) and row-level security cost on their own."""
    import psycopg
    from sqlalchemy.engine import make_url

    given = json.loads(arguments)
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        connection.execute("SELECT set_config('orion.tenant_id', %s, false)", (given["tenant_id"],))
        started = time.perf_counter()
        connection.execute(
            """INSERT INTO catalog_product (id, tenant_id, store_id, sku, gtin, titles,
                 descriptions, title, sort_title, search_text, price, currency, vat_rate,
                 status, images, attributes, available_quantity, low_stock_threshold,
                 created_at, updated_at)
               SELECT gen_random_uuid(), %(tenant)s, %(store)s, 'CEIL' || g, '4006381333931',
                 jsonb_build_object('fr', 'Coffee roasted arabica ' || g),
                 jsonb_build_object('fr', repeat('Roasted arabica beans. ', 6)),
                 'Coffee roasted arabica ' || g, 'coffee roasted arabica ' || g,
                 'coffee roasted arabica ' || g, 1250, 'EUR', 1700, 'active',
                 '["https://img.example/x.jpg"]', '{"brand": "Roastery", "link":
                 "https://shop.example/p/x", "availability": "in stock"}', g %% 50, 5, now(), now()
               FROM generate_series(1, %(rows)s) g""",
            {"tenant": given["tenant_id"], "store": given["store_id"], "rows": rows},
        )
        connection.commit()
        return rows / (time.perf_counter() - started)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # the finally blocks below clean up


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    from orion.kernel.runtime.observability import configure_logging

    configure_logging("WARNING", json=False)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--inventory", action="store_true")
    parser.add_argument(
        "--analyze-every",
        type=float,
        default=10.0,
        help="seconds between ANALYZEs where the server's autovacuum is off (0: none)",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "ORION_BENCH_DATABASE_URL", "postgresql+psycopg://orion_ci@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("DB", "ARGUMENTS", "STORAGE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        database, arguments, storage = args.child
        child(database, arguments, args.chunk, Path(storage))
        return
    analyzer = None
    with tempfile.TemporaryDirectory(prefix="orion-bench-mp-") as folder:
        feed = Path(folder) / "feed.tsv"
        counts = write_feed(feed, args.rows)
        size = feed.stat().st_size
        print(f"feed: {args.rows:,} rows, {size / 1e6:.0f} MB, {counts['bad']:,} bad rows")
        database = create_database(args.server)
        process = None
        try:
            copy_seconds = copy_reference(database, feed)
            storage = Path(folder) / "files"
            arguments = seed(database, feed, args.chunk, args.inventory, storage)
            command = [sys.executable, __file__, "--child", database, arguments, str(storage),
                       "--chunk", str(args.chunk)]  # fmt: skip
            if args.analyze_every and not server_autovacuum(database):
                analyzer = Analyzer(database, args.analyze_every)
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            if analyzer is not None:
                analyzer.start()
            stdout, stderr = process.communicate()
            if process.returncode != 0:
                print(stderr[-4000:])
                raise SystemExit("the import failed")
            figures: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
            ceiling = server_ceiling(database, arguments, min(args.rows, 100_000))
        finally:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
            if analyzer is not None:
                analyzer.stopped.set()
                analyzer.join(timeout=30)
            drop_database(database)
    copy_rate = args.rows / copy_seconds
    orion_rate = figures["rows"] / figures["seconds"]
    print(f"COPY into a bare table: {copy_seconds:.1f} s, {copy_rate:,.0f} rows/s")
    print(
        f"Orion import ({figures['state']}): {figures['seconds']:.1f} s, {orion_rate:,.0f} rows/s; "
        f"rows: {figures['created']:,} created, {figures['updated']:,} updated (a group's "
        f"variants in the next chunk), {figures['failed']:,} bad"
    )
    print(
        f"memory: {figures['baseline_mb']:.0f} MB before the import (Orion loaded), peak "
        f"{figures['peak_rss_mb']:.0f} MB, after the first tenth "
        f"{figures['steady_min_mb']:.0f}-{figures['steady_max_mb']:.0f} MB"
    )
    print(
        f"the same kind of rows inserted by one INSERT ... SELECT inside the server: "
        f"{ceiling:,.0f} rows/s ({ceiling / copy_rate:.3f} of COPY): the ceiling for any client"
    )
    if analyzer is not None:
        print(f"the server's autovacuum is off: ANALYZE run {analyzer.runs} times beside it")
    print(
        f"ratio: {orion_rate / copy_rate:.3f} of COPY (goal 0.3), chunk {args.chunk} rows"
        f"{', inventory on' if args.inventory else ''}"
    )


if __name__ == "__main__":
    main()
