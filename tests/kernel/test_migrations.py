"""Migrations: one branch per module; an empty database upgrades to models exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from orion.kernel.runtime import build_runtime
from orion.kernel.tooling import migrate
from tests.conftest import (
    TESTKIT,
    TESTKIT_PROVIDERS,
    drop_database,
    fresh_database_url,
    make_settings,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_runtime(tmp_path):
    url = fresh_database_url(tmp_path, "migrations")
    runtime = build_runtime(make_settings(url))
    yield runtime
    runtime.close()
    drop_database(url)


def test_empty_database_upgrades_to_heads_with_no_difference(empty_runtime):
    assert migrate.pending_heads(empty_runtime)  # nothing applied yet
    migrate.upgrade(empty_runtime)
    assert migrate.pending_heads(empty_runtime) == []
    assert migrate.differences(empty_runtime) == []
    tables = set(inspect(empty_runtime.database.engine).get_table_names())
    assert {"kernel_outbox", "kernel_task_run", "core_platform_setting", "widgets_widget"} <= tables


def test_every_module_has_its_own_branch(empty_runtime):
    branches = {label for label, _head in migrate.branch_heads(empty_runtime)}
    assert {"kernel", "core", "testdir", "widgets"} <= {
        part for label in branches for part in label.split(",")
    }


def test_one_module_downgrades_to_base_and_back(empty_runtime):
    migrate.upgrade(empty_runtime)
    migrate.downgrade(empty_runtime, "widgets", "base")
    tables = set(inspect(empty_runtime.database.engine).get_table_names())
    assert "widgets_widget" not in tables
    assert "core_platform_setting" in tables  # other branches untouched
    assert migrate.pending_heads(empty_runtime)
    migrate.upgrade(empty_runtime)
    assert migrate.differences(empty_runtime) == []


def test_differences_are_found_when_the_database_drifts(empty_runtime):
    migrate.upgrade(empty_runtime)
    with empty_runtime.database.engine.begin() as connection:
        connection.execute(text("DROP TABLE core_health_snapshot"))
    changes = migrate.differences(empty_runtime)
    assert any("core_health_snapshot" in str(change) for change in changes)


def test_db_check_command_fails_on_drift_and_passes_when_in_sync(tmp_path):
    url = fresh_database_url(tmp_path, "cli")
    env = {
        **os.environ,
        "ORION_DATABASE_URL": url,
        "ORION_EXTRA_MODULES": '["' + '","'.join(TESTKIT) + '"]',
        "ORION_PROVIDERS": json.dumps(TESTKIT_PROVIDERS),
        "PYTHONPATH": str(ROOT / "tests" / "fixtures"),
    }
    orion = [sys.executable, "-m", "orion.cli"]

    def run(*args):
        return subprocess.run([*orion, *args], env=env, capture_output=True, text=True, timeout=120)

    try:
        not_applied = run("db", "check")
        assert not_applied.returncode != 0
        assert "not applied" in not_applied.stderr
        assert run("db", "upgrade").returncode == 0
        in_sync = run("db", "check")
        assert in_sync.returncode == 0, in_sync.stderr
        runtime = build_runtime(make_settings(url))
        with runtime.database.engine.begin() as connection:
            connection.execute(text("DROP TABLE core_health_snapshot"))
        runtime.close()
        drifted = run("db", "check")
        assert drifted.returncode != 0
        assert "differ" in drifted.stderr
    finally:
        drop_database(url)
