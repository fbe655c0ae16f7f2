"""`orion modules list|enable|disable`, run as the real command against a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TESTKIT, TESTKIT_PROVIDERS, drop_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def orion_command() -> list[str]:
    script = Path(sys.executable).with_name("orion")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from orion.cli import main; main()"]


def cli_env(database_url: str, extra_modules: list[str], *paths: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    env.update(
        ORION_DATABASE_URL=database_url,
        ORION_EXTRA_MODULES=json.dumps(extra_modules),
        ORION_PROVIDERS=json.dumps(TESTKIT_PROVIDERS),
        ORION_LOG_JSON="false",
        PYTHONPATH=os.pathsep.join(str(path) for path in (*paths, FIXTURES)),
    )
    return env


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*orion_command(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Orion:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run(self.env, self.cwd, *args)

    def modules(self) -> dict[str, dict]:
        result = self("modules", "list", "--json")
        assert result.returncode == 0, result.stderr
        return {row["code"]: row for row in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def orion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orion]:
    """The `orion` command on a migrated database of its own, with the test kit modules."""
    workdir = tmp_path_factory.mktemp("cli")
    url = fresh_database_url(workdir, "cli")
    command = Orion(cli_env(url, TESTKIT), workdir)
    upgraded = command("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    yield command
    drop_database(url)


def test_list_json_shows_every_module(orion):
    modules = orion.modules()

    assert {"core", "auth", "tenancy", "testdir", "widgets", "gadgets"} <= set(modules)
    for row in modules.values():
        assert {"code", "tier", "version", "requires", "enabled"} <= set(row)
        assert isinstance(row["enabled"], bool)
    assert modules["core"] == {**modules["core"], "tier": "core", "enabled": True}
    assert modules["testdir"]["tier"] == "internal"
    assert modules["testdir"]["enabled"] is True  # internal modules are always on
    assert modules["widgets"]["version"] == "1.2.0"
    assert modules["widgets"]["requires"] == ["testdir>=1.0"]
    assert modules["gadgets"]["tier"] == "optional"
    assert modules["gadgets"]["requires"] == ["widgets>=1.0,<2"]


def test_enable_shows_in_the_list(orion):
    enabled = orion("modules", "enable", "widgets")
    assert enabled.returncode == 0, enabled.stderr

    assert orion.modules()["widgets"]["enabled"] is True


def test_disabling_an_internal_module_is_refused(orion):
    result = orion("modules", "disable", "testdir")

    assert result.returncode != 0
    assert "cannot disable testdir" in result.stderr
    assert "always on" in result.stderr
    assert "Traceback" not in result.stderr


def test_disabling_a_required_module_is_refused_naming_its_dependent(orion):
    enabled = orion("modules", "enable", "gadgets")  # switches widgets on as well
    assert enabled.returncode == 0, enabled.stderr

    result = orion("modules", "disable", "widgets")

    assert result.returncode != 0
    assert "cannot disable widgets" in result.stderr
    assert "gadgets" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_module_is_a_clear_error(orion):
    result = orion("modules", "enable", "nonesuch")

    assert result.returncode != 0
    assert "nonesuch" in result.stderr
    assert "Traceback" not in result.stderr
