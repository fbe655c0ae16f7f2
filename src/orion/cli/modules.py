"""`orion modules ...`: list, check, enable, disable, new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from orion.kernel.tooling.cli import (
    PlatformRef,
    TenantRef,
    console,
    err,
    fail,
    orion_errors,
    platform_id_of,
    runtime,
    settings,
    tenant_of,
)

app = typer.Typer(
    help="The module registry and per-platform/tenant activation.", no_args_is_help=True
)


def _scope(rt, session, platform: str | None, tenant: str | None):  # type: ignore[no-untyped-def]
    """(platform id, tenant id or None) from what was typed: codes, slugs or full ids."""
    if tenant is not None:
        context = tenant_of(rt, session, tenant, platform=platform)
        return context.platform_id, context.tenant_id
    return platform_id_of(rt, session, platform), None


@app.command("list")
def list_modules(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    platform: PlatformRef = None,
    tenant: TenantRef = None,
) -> None:
    """Every installed module with its tier, version, requirements and enabled state."""
    with runtime() as rt, rt.database.unit_of_work() as session:
        try:
            platform_id, tenant_id = _scope(rt, session, platform, tenant)
            enabled = rt.modules.enabled_codes(
                session, platform_id=platform_id, tenant_id=tenant_id
            )
        except typer.Exit:
            raise
        except Exception as exc:  # a database not migrated yet still lists the registry
            err.print(
                f"[yellow]module states unavailable ({type(exc).__name__}); "
                "run `orion db upgrade`[/yellow]",
                highlight=False,
            )
            enabled = frozenset(d.code for d in rt.registry.ordered if d.always_on)
        rows = [
            {
                "code": d.code,
                "name": d.name,
                "tier": d.tier.value,
                "version": d.version,
                "requires": list(d.requires),
                "enabled": d.code in enabled,
                "package": d.package,
            }
            for d in rt.registry.ordered
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("code", "tier", "version", "requires", "enabled", "name")
    for row in rows:
        table.add_row(
            row["code"],
            row["tier"],
            row["version"],
            ", ".join(row["requires"]),
            "yes" if row["enabled"] else "no",
            row["name"],
        )
    console.print(table)


@app.command()
def check() -> None:
    """Validate every definition (fields, imports, tasks, routes, migrations) and each
    module's shape (required files, a page behind every menu item, requires)."""
    from orion.kernel.contract.modules import Registry, RegistryError
    from orion.kernel.tooling.checks import check_registry

    # The registry alone: a module whose models cannot be imported is a problem to report,
    # not a crash while a runtime is built.
    try:
        registry = Registry.discover(settings().extra_modules)
    except RegistryError as exc:
        fail(str(exc))
    problems = check_registry(registry)
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/red] {escape(problem)}", highlight=False)
        fail(f"{len(problems)} problem(s) in module definitions")
    console.print(f"[green]✓ {len(registry)} modules are sound[/green]")


def _change(
    code: str,
    enable: bool,
    platform: str | None,
    tenant: str | None,
    with_requirements: bool = True,
) -> None:
    from orion.kernel.runtime.activation import ModuleScope

    with runtime() as rt, orion_errors(), rt.database.unit_of_work() as session:
        scope = ModuleScope(*_scope(rt, session, platform, tenant))
        if enable:
            changed = rt.modules.enable(
                session, code, scope=scope, with_requirements=with_requirements
            )
        else:
            changed = rt.modules.disable(session, code, scope=scope)
    verb = "enabled" if enable else "disabled"
    if changed:
        console.print(f"[green]{verb}: {', '.join(changed)}[/green] for {scope.label}")
    else:
        console.print(f"{code} was already {verb} for {scope.label}")


ModuleCode = Annotated[str, typer.Argument(help="The module's code (`orion modules list`)")]


@app.command()
def enable(
    code: ModuleCode,
    platform: PlatformRef = None,
    tenant: TenantRef = None,
    with_requirements: Annotated[
        bool, typer.Option(help="Also enable what the module requires")
    ] = True,
) -> None:
    """Enable a module for the platform (or one tenant), with its requirements."""
    _change(code, True, platform, tenant, with_requirements)


@app.command()
def disable(code: ModuleCode, platform: PlatformRef = None, tenant: TenantRef = None) -> None:
    """Disable a module; refused while an enabled module requires it."""
    _change(code, False, platform, tenant)


@app.command()
def new(
    code: Annotated[
        str, typer.Argument(help="The new module's code: lower_snake_case, e.g. loyalty")
    ],
    directory: Annotated[
        Path | None, typer.Option(help="Where to create it (default: the built-in modules)")
    ] = None,
    tests: Annotated[
        Path | None, typer.Option(help="Where its tests go (default: tests/modules)")
    ] = None,
) -> None:
    """Scaffold a working module in the shape of the real ones: definition, model,
    migration, schemas, repository, service, routes, console page, events, task and tests."""
    from orion.kernel.tooling.scaffold import ScaffoldError, scaffold_module

    try:
        created = scaffold_module(code, modules_dir=directory, tests_dir=tests)
    except ScaffoldError as exc:
        fail(str(exc))
    for path in created:
        console.print(f"created {path}")
    console.print(
        f"[green]module {code} created[/green]; run `orion db upgrade` to create its table "
        f"and `orion modules enable {code}` to switch it on"
    )
    if directory is not None:
        console.print(
            "outside the built-in modules it loads when its package is listed in "
            "ORION_EXTRA_MODULES (or advertised in the `orion.modules` entry-point group)"
        )
