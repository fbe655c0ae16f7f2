"""`orion users ...`: accounts from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.callback()
def users() -> None:
    """User accounts."""


@app.command("create-superuser")
def create_superuser(
    email: Annotated[str, typer.Option("--email", help="The operator's email address")],
    password: Annotated[
        str,
        typer.Option(
            "--password",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Prompted for (hidden) when not given",
        ),
    ],
    full_name: Annotated[str | None, typer.Option("--full-name")] = None,
) -> None:
    """Create a platform operator (superadmin) account."""
    # Imported here: importing `orion.cli` loads every module's command groups, this one too.
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from orion.kernel.tooling.cli import console, fail, orion_errors, runtime
    from orion.modules.auth import services

    with runtime() as rt, orion_errors():
        try:
            with rt.database.unit_of_work() as session:
                user = services.create_user(
                    session,
                    email=email,
                    password=password,
                    full_name=full_name,
                    is_superadmin=True,
                )
                email = user.email
        except (OperationalError, ProgrammingError) as exc:
            fail(f"the database is not ready ({exc.orig}); run `orion db upgrade` first")
    console.print(f"[green]superuser {email} created[/green]")
