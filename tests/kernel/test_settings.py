"""Settings: read from ORION_ variables; bad ones fail at start naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from orion.settings import SettingsError, load_settings


def test_postgres_urls_use_psycopg(monkeypatch):
    monkeypatch.setenv("ORION_DATABASE_URL", "postgresql://u@db/orion")
    assert load_settings().database_url == "postgresql+psycopg://u@db/orion"


def test_unknown_database_is_refused_naming_the_setting(monkeypatch):
    monkeypatch.setenv("ORION_DATABASE_URL", "mysql://u@db/orion")
    with pytest.raises(SettingsError, match="ORION_DATABASE_URL"):
        load_settings()


def test_bad_port_is_refused_naming_the_setting(monkeypatch):
    monkeypatch.setenv("ORION_PORT", "99999")
    with pytest.raises(SettingsError, match="ORION_PORT"):
        load_settings()


def test_production_needs_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("ORION_ENVIRONMENT", "production")
    with pytest.raises(SettingsError, match="ORION_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("ORION_SECRET_KEY", "x" * 40)
    assert load_settings().environment == "production"


def test_no_broker_means_the_embedded_worker(monkeypatch):
    monkeypatch.delenv("ORION_BROKER_URL", raising=False)
    assert load_settings().embedded_broker
    monkeypatch.setenv("ORION_BROKER_URL", "redis://localhost:6379/0")
    assert not load_settings().embedded_broker
    monkeypatch.setenv("ORION_BROKER_URL", "ftp://nope")
    with pytest.raises(SettingsError, match="ORION_BROKER_URL"):
        load_settings()


def test_module_settings_are_validated_against_the_module(monkeypatch, tmp_path):
    from orion.kernel.runtime import build_runtime

    monkeypatch.setenv("ORION_MODULES__NOPE__X", "1")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.raises(SettingsError, match="ORION_MODULES__NOPE"):
        build_runtime(settings)


def test_a_misspelt_module_setting_is_refused_naming_it(monkeypatch, tmp_path):
    from orion.kernel.runtime import build_runtime

    monkeypatch.setenv("ORION_MODULES__AUTH__LOGIN_FAILURES_PER_ACOUNT", "3")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.raises(SettingsError, match="ORION_MODULES__AUTH__LOGIN_FAILURES_PER_ACOUNT"):
        build_runtime(settings)


def test_every_module_setting_documented_in_its_schema_is_accepted(monkeypatch, tmp_path):
    from orion.kernel.runtime import build_runtime

    monkeypatch.setenv("ORION_MODULES__AI_PROXY__RETRIES", "3")
    monkeypatch.setenv("ORION_MODULES__AUTH__LOGIN_WINDOW_SECONDS", "60")
    runtime = build_runtime(load_settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    try:
        schema = runtime.registry.get("ai_proxy").settings
        assert schema.model_validate(runtime.settings.modules["ai_proxy"]).retries == 3
    finally:
        runtime.close()


def test_dotenv_values_are_read_and_the_environment_wins(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("ORION_PORT=8123\nORION_HOST=0.0.0.0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORION_PORT", raising=False)
    monkeypatch.setenv("ORION_HOST", "127.0.0.2")

    settings = load_settings()

    assert (settings.port, settings.host) == (8123, "127.0.0.2")


def test_cli_exits_with_the_message_on_bad_settings(tmp_path):
    env = {**os.environ, "ORION_PORT": "not-a-port", "ORION_DATABASE_URL": "sqlite://"}
    result = subprocess.run(
        [sys.executable, "-m", "orion.cli", "modules", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "ORION_PORT" in result.stderr
    assert "Traceback" not in result.stderr
