"""`orion inventory ...`: the stock ledger from the command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from orion.kernel.tooling.cli import TenantRef

app = typer.Typer(help="Stock levels and their ledger.", no_args_is_help=True)


@app.callback()
def inventory() -> None:
    """Stock levels and their ledger."""


@app.command("verify")
def verify(
    tenant: TenantRef = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
) -> None:
    """Prove that every stock level equals the sums of its ledger (on hand and reserved)
    and what its active reservations hold; exit 1 when one does not."""
    # Imported here: importing `orion.cli` loads every module's command groups.
    from rich.table import Table

    from orion.kernel.tooling.cli import console, err, orion_errors, runtime, tenant_of
    from orion.modules.inventory import services

    with runtime() as rt, orion_errors(), rt.database.unit_of_work() as session:
        acting = tenant_of(rt, session, tenant) if tenant is not None else None
        report = services.verify(session, tenant=acting)
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json")))
    else:
        if report.mismatches:
            table = Table(
                "level", "tenant", "on hand", "ledger", "reserved", "ledger", "reservations"
            )
            for check in report.mismatches:
                table.add_row(
                    str(check.level_id),
                    str(check.tenant_id),
                    str(check.on_hand),
                    str(check.ledger_on_hand),
                    str(check.reserved),
                    str(check.ledger_reserved),
                    str(check.reservations_held),
                )
            console.print(table)
        console.print(f"{report.checked} level(s), {len(report.mismatches)} mismatch(es)")
    if report.mismatches:
        err.print(f"[red]{len(report.mismatches)} level(s) differ from their ledger[/red]")
        raise typer.Exit(1)
