"""`orion demo`, `orion worker` and `orion beat` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TESTKIT, TESTKIT_PROVIDERS, drop_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]


def orion(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "orion.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_migrates_seeds_and_can_run_twice(tmp_path):
    url = fresh_database_url(tmp_path, "demo")
    env = {
        **os.environ,
        "ORION_DATABASE_URL": url,
        "ORION_EXTRA_MODULES": json.dumps(TESTKIT),
        "ORION_PROVIDERS": json.dumps(TESTKIT_PROVIDERS),
        "PYTHONPATH": str(ROOT / "tests" / "fixtures"),
    }
    env.pop("ORION_BROKER_URL", None)
    try:
        for _ in range(2):
            result = orion("demo", env=env)
            assert result.returncode == 0, result.stderr
            assert "demo data ready" in result.stdout
        listed = json.loads(orion("modules", "list", "--json", env=env).stdout)
        assert all(module["enabled"] for module in listed)
    finally:
        drop_database(url)


def test_worker_and_beat_refuse_to_run_without_a_broker(tmp_path):
    env = {**os.environ, "ORION_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env.pop("ORION_BROKER_URL", None)
    for command in ("worker", "beat"):
        result = orion(command, env=env)
        assert result.returncode == 1
        assert "ORION_BROKER_URL" in result.stderr


def test_help_lists_module_commands_without_importing_fastapi_or_sqlalchemy():
    probe = (
        "import sys\n"
        "from orion.cli import main\n"
        "sys.argv = ['orion', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'sqlalchemy'})\n"
        "print('HEAVY', heavy)\n"
        "print('MODULES', sorted(m for m in sys.modules if m.startswith('orion.modules.')))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    assert "MODULES []" in done.stdout  # not even the definitions
    for group in ("tenants", "users", "credits", "db", "modules", "serve"):
        assert f" {group} " in done.stdout


def test_module_command_groups_listed_are_those_the_registry_declares():
    from orion.cli.lazy import module_commands
    from orion.kernel.contract.modules import Registry

    declared = {
        name: path
        for definition in Registry.discover()
        for name, path in definition.commands.items()
    }
    assert {name: c.path for name, c in module_commands().items()} == declared


def test_a_module_command_group_is_loaded_when_run(tmp_path):
    env = {**os.environ, "ORION_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = orion("tenants", "--help", env=env)
    assert result.returncode == 0, result.stderr
    assert "Tenants (merchants), their stores and members." in result.stdout
    assert "create" in result.stdout
