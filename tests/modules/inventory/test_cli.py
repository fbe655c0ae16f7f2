"""`orion inventory verify`: 0 when every level equals its ledger, 1 (and the level
named) when one does not."""

from __future__ import annotations

import json

from sqlalchemy import update
from typer.testing import CliRunner

from orion.kernel.data.tenancy import all_tenants
from orion.modules.inventory.cli import app as inventory_cli
from orion.modules.inventory.models import StockLevel


def run(runtime, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ORION_LOG_JSON", "false")
    return CliRunner().invoke(inventory_cli, ["verify", *args])


def test_verify_passes_when_every_level_equals_its_ledger(shop, runtime, monkeypatch):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 5)
    shop.place((beans, 2))

    result = run(runtime, monkeypatch, "--tenant", str(shop.tenant.tenant_id))

    assert result.exit_code == 0, result.output
    assert "1 level(s), 0 mismatch(es)" in result.output


def test_verify_fails_on_a_level_changed_around_the_ledger(shop, runtime, monkeypatch):
    main = shop.location("main")
    beans = shop.product()
    shop.receive(main, beans, 5)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.execute(  # a write that went around the service
            update(StockLevel)
            .where(StockLevel.tenant_id == shop.tenant.tenant_id)
            .values(on_hand=StockLevel.on_hand + 1)
        )
    try:
        result = run(runtime, monkeypatch, "--tenant", str(shop.tenant.tenant_id), "--json")
        assert result.exit_code == 1
        report = json.loads(result.stdout.splitlines()[0])
        [wrong] = report["mismatches"]
        assert (wrong["on_hand"], wrong["ledger_on_hand"]) == (6, 5)
        assert run(runtime, monkeypatch).exit_code == 1  # every tenant: found too
        assert not shop.ledger_is_exact()
    finally:
        with runtime.database.unit_of_work() as session, all_tenants(session):
            session.execute(
                update(StockLevel)
                .where(StockLevel.tenant_id == shop.tenant.tenant_id)
                .values(on_hand=StockLevel.on_hand - 1)
            )
    assert shop.ledger_is_exact()
