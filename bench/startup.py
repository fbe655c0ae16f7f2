"""Start-up cost: `create_app()` with every module, and `orion --help`, in fresh processes.

Each figure is the wall time of a whole subprocess (interpreter start included), so it is
what a user waits for. The `create_app` child also reports, from inside, how long its
imports took and how long `create_app()` itself took once imported. Modules' routers are
imported when first needed, so a second `create_app` row also loads every route (as the
first look at `app.routes` or /openapi.json does, or a server once every module is used).

References measured in the same run, interleaved with the figures so that machine noise
hits every command alike: `python -c pass` and `python -c "import fastapi"`.

    .venv/bin/python bench/startup.py [--runs 7] [--import-profile]

The children run in an empty temporary directory with every `ORION_*` variable removed,
so neither a `.env` file nor the caller's environment changes what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
ORION_SCRIPT = Path(sys.executable).with_name("orion")

# Runs inside the child: time the imports, then create_app() with all modules. Modules'
# routers are imported when first needed (see kernel/web/mounting.py); with the argument
# "routes" the child then also loads every route (what the first look at `app.routes` or
# /openapi.json costs, or a server once each module has been asked for something).
CREATE_APP_CHILD = """
import json, sys, time
started = time.perf_counter()
from orion.app import create_app
from orion.settings import OrionSettings
imported = time.perf_counter()
settings = OrionSettings(database_url=sys.argv[1], log_level="WARNING")
app = create_app(settings, embedded_worker=False)
built = time.perf_counter()
figures = {
    "import_s": imported - started,
    "create_app_s": built - imported,
    "modules": list(app.state.runtime.registry.codes),
}
if sys.argv[2:] == ["routes"]:
    figures["routes"] = len(app.routes)
    figures["routes_s"] = time.perf_counter() - built
print(json.dumps(figures))
"""


def child_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    env.pop("PYTHONPATH", None)
    return env


def orion_help_command() -> list[str]:
    if ORION_SCRIPT.exists():
        return [str(ORION_SCRIPT), "--help"]
    # The console script is `orion = orion.cli:main`; this is its equivalent.
    return [PYTHON, "-c", "import sys; from orion.cli import main; sys.argv[0] = 'orion'; main()"]


def run_once(command: list[str], cwd: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"command failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}"
        )
    return elapsed, done.stdout


def import_profile(cwd: str, env: dict[str, str], database_url: str, top: int = 12) -> None:
    """One extra run with `-X importtime`: the slowest imports (cumulative) of each child."""
    targets = {
        "create_app": [PYTHON, "-X", "importtime", "-c", CREATE_APP_CHILD, database_url],
        "orion --help": [
            PYTHON,
            "-X",
            "importtime",
            "-c",
            "import sys; from orion.cli import main; sys.argv[0] = 'orion'; "
            "sys.argv[1:] = ['--help']; main()",
        ],
    }
    for label, command in targets.items():
        done = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        rows = []
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
            name = name.removeprefix(" ")
            depth = (len(name) - len(name.lstrip())) // 2
            rows.append((int(cumulative_us), int(self_us), depth, name.strip()))
        print(f"\nslowest top-level imports of {label} (-X importtime, cumulative ms):")
        shallow = sorted((row for row in rows if row[2] <= 1), reverse=True)[:top]
        for cumulative, _self, depth, name in shallow:
            print(f"  {cumulative / 1000:8.1f}  {'  ' * depth}{name}")


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    # On SIGTERM as on Ctrl-C: subprocess.run kills the running child on the way out.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each command")
    parser.add_argument(
        "--import-profile", action="store_true", help="also list the slowest imports"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orion-bench-startup-") as workdir:
        database_url = f"sqlite:///{Path(workdir) / 'orion.db'}"
        env = child_env()
        commands: dict[str, list[str]] = {
            "python -c pass": [PYTHON, "-c", "pass"],
            "python -c 'import fastapi'": [PYTHON, "-c", "import fastapi"],
            "create_app() (all modules)": [PYTHON, "-c", CREATE_APP_CHILD, database_url],
            "create_app() + every route": [
                PYTHON,
                "-c",
                CREATE_APP_CHILD,
                database_url,
                "routes",
            ],
            "orion --help": orion_help_command(),
        }
        # One unmeasured round first: byte-code caches and the page cache get warm.
        for command in commands.values():
            run_once(command, workdir, env)

        walls: dict[str, list[float]] = {name: [] for name in commands}
        inner: list[dict[str, object]] = []
        loaded: list[dict[str, object]] = []
        deadline = time.monotonic() + 100
        for _ in range(args.runs):
            for name, command in commands.items():  # interleaved: noise hits all alike
                elapsed, out = run_once(command, workdir, env)
                walls[name].append(elapsed)
                if name.startswith("create_app"):
                    figures = json.loads(out.strip().splitlines()[-1])
                    (loaded if "routes" in figures else inner).append(figures)
            if time.monotonic() > deadline:
                print("(stopping early: time budget spent)")
                break

        runs = len(walls["python -c pass"])
        print(f"Orion start-up, {runs} runs each, wall time of a fresh subprocess")
        print(f"python {sys.version.split()[0]}  ({PYTHON})")
        print(f"modules: {', '.join(inner[-1]['modules'])}  routes: {loaded[-1]['routes']}")
        print(f"orion --help command: {' '.join(commands['orion --help'][:1])} --help\n")

        base = {name: (min(v), statistics.median(v)) for name, v in walls.items()}
        ref_pass = base["python -c pass"]
        ref_fastapi = base["python -c 'import fastapi'"]
        header = f"{'command':30} {'min ms':>8} {'median ms':>10} {'/pass':>7} {'/fastapi':>9}"
        print(header)
        print("-" * len(header))
        for name, (low, mid) in base.items():
            print(
                f"{name:30} {low * 1000:8.1f} {mid * 1000:10.1f} "
                f"{mid / ref_pass[1]:7.2f} {mid / ref_fastapi[1]:9.2f}"
            )
        print("(ratios are of medians)")

        imports = [float(row["import_s"]) for row in inner]  # type: ignore[arg-type]
        builds = [float(row["create_app_s"]) for row in inner]  # type: ignore[arg-type]
        fastapi_import = ref_fastapi[1] - ref_pass[1]
        print("\ninside the create_app child:")
        print(
            f"  imports (orion.app, orion.settings)  min {min(imports) * 1000:7.1f} ms"
            f"  median {statistics.median(imports) * 1000:7.1f} ms"
        )
        print(
            f"  create_app(settings) once imported   min {min(builds) * 1000:7.1f} ms"
            f"  median {statistics.median(builds) * 1000:7.1f} ms"
        )
        print(
            f"  reference: importing fastapi alone ~ {fastapi_import * 1000:.1f} ms "
            "(median 'import fastapi' minus median 'pass')"
        )
        ratio = statistics.median(imports) / fastapi_import
        print(f"  ratio imports / fastapi import      {ratio:.2f}")
        routes = [float(row["routes_s"]) for row in loaded]  # type: ignore[arg-type]
        print(
            f"  then every module's routes loaded    min {min(routes) * 1000:7.1f} ms"
            f"  median {statistics.median(routes) * 1000:7.1f} ms"
        )
        if args.import_profile:
            import_profile(workdir, env, database_url)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
