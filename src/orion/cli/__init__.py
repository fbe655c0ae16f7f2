"""The `orion` command line: serve, worker, beat, db, modules, demo."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from orion.cli import db as db_commands
from orion.cli import keys as key_commands
from orion.cli import modules as module_commands
from orion.cli import run as run_commands
from orion.cli.lazy import OrionGroup

# Module command groups (`commands=` in their definitions) are listed by OrionGroup and
# imported only when run, so `orion --help` imports neither FastAPI nor SQLAlchemy.
app = typer.Typer(
    name="orion",
    cls=OrionGroup,
    help="Orion: a modular, multi-tenant commerce and SaaS platform backend.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(module_commands.app, name="modules")
app.add_typer(key_commands.app, name="keys")
run_commands.register(app)


err = Console(stderr=True)


def _startup_errors() -> tuple[type[Exception], ...]:
    # Imported only when an exception is being matched, so `orion --help` loads no kernel.
    from orion.kernel.contract.modules import RegistryError
    from orion.settings import SettingsError

    return (SettingsError, RegistryError)


def main() -> None:
    try:
        app()
    except SystemExit:
        raise  # the usual way out (--help too); matching it must not load the kernel
    except _startup_errors() as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
