"""`orion tenants create | list`."""

from __future__ import annotations

import json
import uuid

from typer.testing import CliRunner

from orion.modules.tenancy.cli import app


def test_operators_create_and_list_tenants_from_the_command_line(runtime, monkeypatch):
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ORION_LOG_JSON", "false")
    runner = CliRunner()
    name = f"Cli Shop {uuid.uuid4().hex[:6]}"
    created = runner.invoke(app, ["create", name, "--invite", "Owner@cli-shop.test"])
    assert created.exit_code == 0, created.output
    assert "accept token (shown once): inv_" in created.output
    listed = runner.invoke(app, ["list", "--json"])
    assert listed.exit_code == 0, listed.output
    (tenant,) = [t for t in json.loads(listed.output)["data"] if t["name"] == name]
    assert tenant["slug"] == name.lower().replace(" ", "-")
    assert {"core", "auth", "tenancy"} <= set(tenant["modules"])
    assert runner.invoke(app, ["list"]).exit_code == 0
    bad = runner.invoke(app, ["create", "Other", "--invite", "not-an-email"])
    assert bad.exit_code != 0 and "email" in bad.output
    nowhere = runner.invoke(app, ["create", "Other", "--platform", "no-such-platform"])
    assert nowhere.exit_code != 0 and "no-such-platform" in nowhere.output
