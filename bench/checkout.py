"""Checkout: many clients buying the last units of one product at once, through the API.

    .venv/bin/python bench/checkout.py [--database-url postgresql://...] [--clients 64]
        [--units 100] [--seconds 10]

Creates a throw-away PostgreSQL database, migrates it, makes one tenant with the orders
and inventory modules on, a store with two products (BENCH-HOT with `--units` in stock,
BENCH-WARM with plenty) and a tenant admin, and serves Orion with one uvicorn process
(bench/read_app.py: the app plus `/bench/statements`, the server's SQL statements counted
with an engine event). Then:

1. statements per order: 20 orders of BENCH-WARM placed one after the other, each with an
   `Idempotency-Key`; the server's statements during them, per order (everything the
   request ran: the store lookup, the tenant setting, placement, inventory's reservation,
   the outbox row);
2. contention: `--clients` clients (threads, one HTTP connection each) place orders of one
   BENCH-HOT unit, each with its own key, until they are answered 409 `insufficient_stock`;
   prints orders per second (sold / time to the last sale) and attempts per second;
3. checks: exactly `--units` orders were placed for BENCH-HOT (every other attempt a 409),
   its level holds `--units` reserved, inventory's ledger matches the levels (`verify`),
   and invoices issued for the sold orders by the clients at once are numbered 1..N;
4. the reference, in the same run on the same server: pgbench at the same concurrency
   for `--seconds` running one statement per transaction that sells a unit and records
   the order when one is left (a conditional decrement and an INSERT, in a CTE), on a row
   with stock for the whole run. Goal: orders/s at least 0.5 of it, 15 statements or less.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from api_read import _stop, _wait, statements
from benchlib import create_database, drop_database, free_port
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Password-9"
WARM_ORDERS = 20


def seed(database_url: str, units: int) -> dict[str, Any]:
    """Migrate; a tenant with orders and inventory, its admin, a store, two products."""
    from orion.kernel.runtime import build_runtime
    from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID, ModuleScope
    from orion.kernel.tooling import migrate
    from orion.modules.auth import services as auth
    from orion.modules.catalog import services as catalog
    from orion.modules.catalog.schemas import ItemCreate
    from orion.modules.inventory import services as inventory
    from orion.modules.inventory.schemas import LocationCreate, ReceiptCreate
    from orion.modules.tenancy import services as tenancy
    from orion.modules.tenancy.schemas import StoreCreate, TenantCreate
    from orion.settings import load_settings

    runtime = build_runtime(load_settings(database_url=database_url, log_level="WARNING"))
    migrate.upgrade(runtime)
    email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
    with runtime.database.unit_of_work() as session:
        record = tenancy.create_tenant(session, DEFAULT_PLATFORM_ID, data=TenantCreate(name="B"))
        tenant = tenancy.tenant_context(session, record.id)
        runtime.modules.enable(
            session, "inventory", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
        )
        user = auth.create_user(session, email=email, password=PASSWORD)
        tenancy.add_member(session, tenant, user_id=user.id, role="tenant_admin")
        store = tenancy.create_store(session, tenant, data=StoreCreate(name="Bench", code="bench"))
    products = {}
    with runtime.database.unit_of_work(tenant=tenant) as session:
        location = inventory.create_location(
            session, tenant, store_id=store.id, data=LocationCreate(code="main", name="Main")
        )
        for sku, quantity in (("BENCH-HOT", units), ("BENCH-WARM", 10_000)):
            product = catalog.create_product(
                session,
                tenant,
                store_id=store.id,
                data=ItemCreate(
                    sku=sku, titles={"en": sku}, price=1000, vat_rate=1700, status="active"
                ),
            )
            inventory.receive(
                session,
                tenant,
                store_id=store.id,
                data=ReceiptCreate(
                    location_id=location.id, product_id=product.id, quantity=quantity
                ),
            )
            products[sku] = product.id
    runtime.close()
    return {"email": email, "tenant": tenant, "store_id": store.id, "products": products}


def order_body(sku: str) -> dict[str, Any]:
    return {"customer_email": "buyer@example.com", "items": [{"sku": sku, "quantity": 1}]}


def contend(base: str, path: str, headers: dict[str, str], clients: int) -> dict[str, Any]:
    """Every client buys one unit at a time until the stock is gone."""
    sold: list[str] = []
    refused = [0]
    errors: list[str] = []
    last_sale = [0.0]
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            http.get("/health")  # connected before the clock starts
            start.wait()
            while True:
                key = {"Idempotency-Key": uuid.uuid4().hex}
                response = http.post(path, json=order_body("BENCH-HOT"), headers=key)
                with lock:
                    if response.status_code == 201:
                        sold.append(response.json()["id"])
                        last_sale[0] = time.perf_counter()
                        continue
                    if (
                        response.status_code == 409
                        and response.json()["code"] == "insufficient_stock"
                    ):
                        refused[0] += 1
                        return
                    errors.append(f"{response.status_code} {response.text[:200]}")
                    if len(errors) > 50:
                        return

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    ended = time.perf_counter()
    return {
        "sold": sold,
        "refused": refused[0],
        "errors": errors,
        "selling_seconds": max(last_sale[0] - began, 1e-9),
        "seconds": ended - began,
    }


def in_parallel(base: str, headers: dict[str, str], calls: list[str], clients: int) -> list[Any]:
    """POST each path, `clients` at a time; the JSON answers."""
    answers: list[Any] = []
    lock = threading.Lock()
    pending = list(calls)

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            while True:
                with lock:
                    if not pending:
                        return
                    path = pending.pop()
                response = http.post(path)
                with lock:
                    answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def check(database_url: str, seeded: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from orion.kernel.runtime import build_runtime
    from orion.modules.inventory import services as inventory
    from orion.modules.inventory.models import StockLevel
    from orion.modules.orders.models import Invoice, OrderItem
    from orion.settings import load_settings

    runtime = build_runtime(load_settings(database_url=database_url, log_level="WARNING"))
    tenant = seeded["tenant"]
    with runtime.database.unit_of_work(tenant=tenant) as session:
        hot = seeded["products"]["BENCH-HOT"]
        level = session.scalars(select(StockLevel).where(StockLevel.product_id == hot)).one()
        ordered = session.scalar(
            select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(
                OrderItem.product_id == hot
            )
        )
        report = inventory.verify(session, tenant=tenant)
        numbers = sorted(session.scalars(select(Invoice.sequence_number)).all())
    runtime.close()
    return {
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "ordered": int(ordered),
        "ledger_ok": not report.mismatches,
        "invoice_numbers": numbers,
    }


def pgbench(database_url: str, clients: int, seconds: int) -> float:
    url = make_url(database_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(
            text("CREATE TABLE bench_stock (id int PRIMARY KEY, available bigint NOT NULL)")
        )
        connection.execute(
            text(
                "CREATE TABLE bench_order (id bigserial PRIMARY KEY, product_id int NOT NULL,"
                " quantity int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        )
        connection.execute(text("INSERT INTO bench_stock VALUES (1, 1000000000000)"))
    engine.dispose()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "WITH sold AS (UPDATE bench_stock SET available = available - 1"
            " WHERE id = 1 AND available >= 1 RETURNING id)"
            " INSERT INTO bench_order (product_id, quantity) SELECT id, 1 FROM sold;\n"
        )
    args = [
        "pgbench", "-n", "-f", script.name, "-c", str(clients), "-j", "2", "-T", str(seconds),
        "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
        "-U", url.username or "postgres", url.database or "postgres",
    ]  # fmt: skip
    ran = subprocess.run(args, capture_output=True, text=True)
    Path(script.name).unlink()
    if ran.returncode:
        sys.exit(f"pgbench failed: {ran.stderr.strip()[-500:]}")
    return float(re.search(r"tps = ([\d.]+)", ran.stdout).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10, help="the reference's run")
    options = parser.parse_args()
    if shutil.which("pgbench") is None:
        sys.exit("pgbench is missing (Debian package postgresql-client)")

    database_url = create_database(options.database_url)
    server = None
    workdir = Path(tempfile.mkdtemp(prefix="orion-bench-"))
    try:
        seeded = seed(database_url, options.units)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        (workdir / "reference.json").write_bytes(b"{}")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ORION_")},
            "ORION_DATABASE_URL": database_url,
            "ORION_LOG_LEVEL": "WARNING",
            "ORION_DATABASE_POOL_SIZE": str(max(options.clients // 2, 10)),
            "ORION_BENCH_REFERENCE_FILE": str(workdir / "reference.json"),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT / "src")]),
        }
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "read_app:app", "--factory", "--port", str(port),
                "--no-access-log", "--log-level", "warning",
            ],
            env=env,
            cwd=workdir,
            start_new_session=True,
        )  # fmt: skip
        _wait(base)
        token = httpx.post(
            f"{base}/api/v1/public/auth/login",
            data={"username": seeded["email"], "password": PASSWORD},
        ).json()["access_token"]
        tenant_id = str(seeded["tenant"].tenant_id)
        headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant_id}
        path = f"/api/v1/orders/stores/{seeded['store_id']}/orders"

        # 1. statements per order, one order at a time (after one to warm up)
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            http.post(path, json=order_body("BENCH-WARM")).raise_for_status()
            before = statements(base)
            for _ in range(WARM_ORDERS):
                key = {"Idempotency-Key": uuid.uuid4().hex}
                http.post(path, json=order_body("BENCH-WARM"), headers=key).raise_for_status()
            after = statements(base)
        shapes = {
            shape: (after[shape] - before.get(shape, 0)) / WARM_ORDERS
            for shape in after
            if after[shape] > before.get(shape, 0)
        }

        # 2. contention on the last units
        run = contend(base, path, headers, options.clients)

        # 3. invoices for the sold orders, issued at once (confirmed first)
        sold = run["sold"]
        in_parallel(base, headers, [f"{path}/{i}/confirm" for i in sold], options.clients)
        issued = in_parallel(base, headers, [f"{path}/{i}/invoice" for i in sold], options.clients)
        invoice_errors = [a for a in issued if a[0] != 201]
        _stop(server)
        server = None
        checked = check(database_url, seeded)

        # 4. the reference
        reference = pgbench(database_url, options.clients, options.seconds)
    finally:
        if server is not None:
            _stop(server)
        drop_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)

    rate = len(sold) / run["selling_seconds"]
    attempts = len(sold) + run["refused"] + len(run["errors"])
    per_order = sum(shapes.values())
    print(
        f"checkout: {options.clients} clients, {options.units} units of one product, "
        f"PostgreSQL, 1 uvicorn worker"
    )
    print(f"pgbench decrement + order insert   {reference:8.0f} tps")
    print(
        f"orion POST .../orders              {rate:8.0f} orders/s  ratio {rate / reference:5.2f}"
        f"  ({len(sold)} sold in {run['selling_seconds']:.2f} s; {attempts} attempts in"
        f" {run['seconds']:.2f} s = {attempts / run['seconds']:.0f}/s)"
    )
    print(f"SQL statements per order: {per_order:.2f} (one at a time, with a key)")
    for shape, n in sorted(shapes.items(), key=lambda item: -item[1]):
        print(f"  {n:5.2f}  {shape}")
    expected = list(range(1, len(sold) + 1))
    verdicts = {
        f"exactly {options.units} sold, the rest 409": len(sold) == options.units
        and run["refused"] == options.clients
        and not run["errors"],
        "orders in the database = units": checked["ordered"] == options.units,
        f"level reserved {options.units} of {options.units}": (
            checked["on_hand"],
            checked["reserved"],
        )
        == (options.units, options.units),
        "ledger matches levels (inventory verify)": checked["ledger_ok"],
        "invoice numbers 1..N without gaps": checked["invoice_numbers"] == expected
        and not invoice_errors,
    }
    for name, ok in verdicts.items():
        print(f"  {'ok   ' if ok else 'WRONG'} {name}")
    if run["errors"]:
        print("  errors:", *run["errors"][:5], sep="\n    ")
    if not all(verdicts.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
