"""API read path: a tenant's 50 stores through Orion vs the same bytes from memory.

    .venv/bin/python bench/api_read.py [--database-url postgresql://...] [--seconds 10]
        [--connections 64]

Creates a throw-away PostgreSQL database, migrates it, seeds one tenant with 50 stores and a
tenant admin, signs in, then runs one uvicorn process (one worker) serving Orion and a
reference route that returns the list response's exact bytes from memory. wrk (Debian
package `wrk`) loads each for the same time at the same concurrency; the script prints
requests per second, p50/p99 latency, the ratios, and the SQL statements the server ran per
measured request (the server counts them with an engine event, bench/read_app.py), split
into the list endpoint's (those that read `tenancy_store`) and the rest (authentication,
the unit of work's tenant setting).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from benchlib import create_database, drop_database, free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Password-9"


def seed(database_url: str) -> tuple[str, str]:
    """Migrate; one tenant, its admin and 50 stores. Return (email, tenant id)."""
    from orion.kernel.runtime import build_runtime
    from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
    from orion.kernel.tooling import migrate
    from orion.modules.auth import services as auth
    from orion.modules.tenancy import services as tenancy
    from orion.modules.tenancy.schemas import StoreCreate, TenantCreate
    from orion.settings import load_settings

    runtime = build_runtime(load_settings(database_url=database_url))
    migrate.upgrade(runtime)
    email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
    with runtime.database.unit_of_work() as session:
        tenant = tenancy.create_tenant(
            session, DEFAULT_PLATFORM_ID, data=TenantCreate(name="Bench")
        )
        user = auth.create_user(session, email=email, password=PASSWORD)
        context = tenancy.tenant_context(session, tenant.id)
        tenancy.add_member(session, context, user_id=user.id, role="tenant_admin")
        for index in range(50):
            tenancy.create_store(
                session, context, data=StoreCreate(name=f"Store {index:02d}", code=f"s{index:02d}")
            )
    runtime.close()
    return email, str(tenant.id)


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = float(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "errors": float(errors.group(1)) if errors else 0.0,
        "requests": requests,
    }


def statements(base: str) -> dict[str, int]:
    """The server's statement counts so far, by statement shape."""
    return httpx.get(f"{base}/bench/statements").json()["by_statement"]


def per_request(before: dict[str, int], after: dict[str, int], requests: float) -> dict[str, float]:
    return {
        shape: (after[shape] - before.get(shape, 0)) / requests
        for shape in after
        if after[shape] > before.get(shape, 0)
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")

    database_url = create_database(options.database_url)
    server = None
    workdir = Path(tempfile.mkdtemp(prefix="orion-bench-"))
    try:
        email, tenant_id = seed(database_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        reference_file = workdir / "reference.json"
        reference_file.write_bytes(b"{}")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ORION_")},
            "ORION_DATABASE_URL": database_url,
            "ORION_LOG_LEVEL": "WARNING",
            "ORION_BENCH_REFERENCE_FILE": str(reference_file),
            # The server runs this checkout's code, with bench/ for read_app.
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT / "src")]),
        }
        # Sign in and fetch the payload once, from a first server, to fill the reference.
        for attempt in ("payload", "measure"):
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "read_app:app",
                    "--factory",
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=workdir,
                start_new_session=True,
            )
            _wait(base)
            token = httpx.post(
                f"{base}/api/v1/public/auth/login", data={"username": email, "password": PASSWORD}
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}", "X-Tenant-ID": tenant_id}
            listed = httpx.get(f"{base}/api/v1/tenancy/stores?limit=50", headers=headers)
            listed.raise_for_status()
            assert listed.json()["count"] == 50
            if attempt == "payload":
                reference_file.write_bytes(listed.content)
                _stop(server)
        results = {}
        for name, path in (
            ("orion", "/api/v1/tenancy/stores?limit=50"),
            ("reference", "/bench/reference"),
        ):
            wrk(base + path, headers, 2, options.connections)  # warm up
            before = statements(base)
            results[name] = wrk(base + path, headers, options.seconds, options.connections)
            if name == "orion":
                counted = per_request(before, statements(base), results[name]["requests"])
        print(
            f"API read path: 50 stores, {options.connections} connections, "
            f"{options.seconds}s each, PostgreSQL, 1 uvicorn worker"
        )
        print(f"{'':12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
        for name, figures in results.items():
            print(
                f"{name:12}{figures['rps']:>10.0f}{figures['p50']:>10.2f}"
                f"{figures['p99']:>10.2f}{figures['errors']:>10.0f}"
            )
        ratio = results["orion"]["rps"] / results["reference"]["rps"]
        print(
            f"orion / reference throughput: {ratio:.2f}  "
            f"(p50 x{results['orion']['p50'] / results['reference']['p50']:.2f})"
        )
        listing = sum(n for shape, n in counted.items() if "tenancy_store" in shape)
        print(
            f"SQL statements per request: {sum(counted.values()):.2f} "
            f"(list endpoint {listing:.2f}, the rest {sum(counted.values()) - listing:.2f})"
        )
        for shape, n in sorted(counted.items(), key=lambda item: -item[1]):
            if n >= 0.01:
                print(f"  {n:5.2f}  {shape}")
    finally:
        if server is not None:
            _stop(server)
        drop_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)


def _wait(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
