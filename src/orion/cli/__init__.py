"""The `orion` command line: serve, worker, beat, db, modules, demo."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from orion.cli import db as db_commands
from orion.cli import modules as module_commands
from orion.cli import run as run_commands
from orion.settings import SettingsError

app = typer.Typer(
    name="orion",
    help="Orion: a modular, multi-tenant commerce and SaaS platform backend.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(module_commands.app, name="modules")
run_commands.register(app)

err = Console(stderr=True)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
