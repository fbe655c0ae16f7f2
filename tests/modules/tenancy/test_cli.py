"""`orion tenants create | list`."""

from __future__ import annotations

import json
import uuid

from typer.testing import CliRunner

from orion.cli.modules import app as modules_app
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.modules.tenancy.cli import app


def test_operators_create_and_list_tenants_from_the_command_line(runtime, monkeypatch):
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ORION_LOG_JSON", "false")
    runner = CliRunner()
    name = f"Cli Shop {uuid.uuid4().hex[:6]}"
    created = runner.invoke(app, ["create", name, "--invite", "Owner@cli-shop.test"])
    assert created.exit_code == 0, created.output
    assert "/console/invitations/accept?token=inv_" in created.output
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


def test_a_second_tenant_of_the_same_name_needs_saying_so(runtime, monkeypatch):
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    runner = CliRunner()
    name = f"Twin Shop {uuid.uuid4().hex[:6]}"
    assert runner.invoke(app, ["create", name]).exit_code == 0
    refused = runner.invoke(app, ["create", name.upper()])
    assert refused.exit_code == 1
    assert "--allow-duplicate-name" in refused.output
    again = runner.invoke(app, ["create", name, "--allow-duplicate-name"])
    assert again.exit_code == 0, again.output
    assert "-2" in again.output


def test_commands_take_a_tenant_by_slug_or_full_id_and_a_platform_by_code_or_id(
    runtime, monkeypatch
):
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    runner = CliRunner()
    name = f"Named Shop {uuid.uuid4().hex[:6]}"
    assert runner.invoke(app, ["create", name]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["list", "--json"]).output)["data"]
    (tenant,) = [t for t in listed if t["name"] == name]
    table = runner.invoke(app, ["list"], env={"COLUMNS": "80"}).output
    assert tenant["id"] in table  # printed whole, so it can be pasted back

    for reference in (tenant["slug"], tenant["id"]):
        enabled = runner.invoke(modules_app, ["enable", "credits", "--tenant", reference])
        assert enabled.exit_code == 0, enabled.output
        shown = runner.invoke(modules_app, ["list", "--json", "--tenant", reference])
        assert {"code": "credits", "enabled": True}.items() <= next(
            m for m in json.loads(shown.output) if m["code"] == "credits"
        ).items()
        disabled = runner.invoke(modules_app, ["disable", "credits", "--tenant", reference])
        assert disabled.exit_code == 0, disabled.output
    for platform in ("default", str(DEFAULT_PLATFORM_ID)):
        scoped = runner.invoke(app, ["list", "--json", "--platform", platform])
        assert scoped.exit_code == 0, scoped.output
        assert tenant["id"] in {t["id"] for t in json.loads(scoped.output)["data"]}
    unknown = runner.invoke(modules_app, ["list", "--tenant", "no-such-tenant"])
    assert unknown.exit_code == 1 and "no-such-tenant" in unknown.output
