"""`orion marketplace ...`: product feed imports from the command line, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orion.kernel.tooling.cli import TenantRef

app = typer.Typer(help="Letzshop: product feed imports.", no_args_is_help=True)


@app.callback()
def marketplace() -> None:
    """Letzshop: product feed imports."""


@app.command("import")
def import_feed(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    store: Annotated[str, typer.Option("--store", metavar="CODE|ID", help="The store")],
    tenant: TenantRef = None,
    language: Annotated[str, typer.Option(help="The feed's language: fr, de or en")] = "fr",
    policy: Annotated[str, typer.Option(help="Bad rows: skip, stop or dry_run")] = "skip",
) -> None:
    """Import FILE into the store's catalogue here and now (the same code as the
    background task, chunk by chunk), with a progress bar; exit 1 if it did not succeed."""
    import time

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from orion.kernel.tooling.cli import console, fail, orion_errors, runtime
    from orion.modules.marketplace.schemas import ImportPolicy
    from orion.modules.marketplace.services import imports

    if language not in ("fr", "de", "en"):
        fail(f"--language: one of fr, de, en, not {language!r}")
    if policy not in {p.value for p in ImportPolicy}:
        fail(f"--policy: one of skip, stop, dry_run, not {policy!r}")
    with runtime() as rt, orion_errors():
        with rt.database.unit_of_work() as session:
            acting, store_info = _store(rt, session, store, tenant)
            with file.open("rb") as source:
                row = imports.start_upload(
                    session,
                    acting,
                    store_id=store_info.id,
                    language=language,
                    policy=ImportPolicy(policy),
                    filename=file.name,
                    source=source,
                    send=False,
                )
            import_id = row.id
        columns = (
            TextColumn("{task.description}"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
        )
        started = time.monotonic()

        def show(done: int, total: int) -> None:
            rate = int(done / max(time.monotonic() - started, 0.001))
            bar.update(job, completed=done, total=total, rate=f"{rate:,}")

        with Progress(*columns, console=console) as bar:
            job = bar.add_task(f"Importing {file.name}", total=None, rate="—")
            with rt.database.unit_of_work(tenant=acting) as session:
                outcome = imports.run_import(
                    session, import_id, checkpoint=session.commit, progress=show
                )
        with rt.database.unit_of_work(tenant=acting) as session:
            done = imports.get_import(session, acting, store_id=store_info.id, import_id=import_id)
            console.print(
                f"{done.state}: {done.created_count} new, {done.updated_count} changed, "
                f"{done.unchanged_count} unchanged, {done.failed_count} bad row(s)"
                + (f" — {done.error}" if done.error else "")
            )
    if outcome.get("state") != "succeeded":
        raise typer.Exit(1)


def _store(rt, session, store: str, tenant: str | None):  # type: ignore[no-untyped-def]
    """(the tenant, the store): by code or id within `--tenant`, or by its id alone."""
    import uuid

    from orion.kernel.tooling.cli import fail, tenant_of
    from orion.modules.tenancy import services as tenancy

    if tenant is not None:
        acting = tenant_of(rt, session, tenant)
        found = next(
            (s for s in tenancy.stores.stores(session, acting) if store in (s.code, str(s.id))),
            None,
        )
        if found is None:
            fail(f"the tenant has no store {store!r}")
        return acting, found
    try:
        store_id = uuid.UUID(store)
    except ValueError:
        fail(f"{store!r} is not a store id: give its id, or its code with --tenant")
    found = tenancy.stores.public_store(session, store_id)
    if found is None:
        fail(f"no store has the id {store}")
    return rt.tenant_context(session, found.tenant_id), found
