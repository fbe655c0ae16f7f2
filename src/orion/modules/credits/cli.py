"""`orion credits ...`: the ledger from the command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Credit balances and the ledger.", no_args_is_help=True)


@app.callback()
def credits() -> None:
    """Credit balances and the ledger."""


@app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
) -> None:
    """Prove that every tenant's balance equals the sum of its ledger; exit 1 when one
    does not."""
    # Imported here: importing `orion.cli` loads every module's command groups.
    from rich.table import Table

    from orion.kernel.tooling.cli import console, err, orion_errors, runtime
    from orion.modules.credits import services

    with runtime() as rt, orion_errors(), rt.database.unit_of_work() as session:
        checks = services.verify(session)
    wrong = [check for check in checks if not check.ok]
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") | {"ok": c.ok} for c in checks]))
    else:
        table = Table("tenant", "balance", "ledger sum", "open holds", "ok")
        for check in checks:
            table.add_row(
                str(check.tenant_id),
                str(check.balance),
                str(check.ledger_sum),
                str(check.open_holds),
                "[green]yes[/green]" if check.ok else "[red]NO[/red]",
            )
        console.print(table)
        console.print(f"{len(checks)} tenant(s), {len(wrong)} mismatch(es)")
    if wrong:
        err.print(f"[red]{len(wrong)} balance(s) differ from their ledger[/red]")
        raise typer.Exit(1)
