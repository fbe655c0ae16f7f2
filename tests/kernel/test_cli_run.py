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
