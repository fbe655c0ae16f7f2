"""`orion keys rotate`: re-encrypt every stored secret with the newest encryption key."""

from __future__ import annotations

import typer

from orion.kernel.tooling.cli import console, orion_errors, runtime

app = typer.Typer(help="Encryption keys for secrets stored in the database.", no_args_is_help=True)


@app.command()
def rotate() -> None:
    """Re-encrypt every secret with the first key of ORION_ENCRYPTION_KEYS.

    Put the new key first and keep the old ones after it, run this, then drop the old keys.
    """
    from orion.kernel.contract.points import SECRET_ROTATION

    with runtime() as rt, orion_errors(), rt.database.unit_of_work() as session:
        total = 0
        for module, rotate_secrets in rt.registry.all_providers(SECRET_ROTATION):
            count = rotate_secrets(session)
            console.print(f"{module}: {count} secret(s) re-encrypted")
            total += count
    console.print(f"[green]{total} secret(s) now sealed with the newest key[/green]")
