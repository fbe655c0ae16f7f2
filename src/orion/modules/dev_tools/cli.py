"""`orion dev ...`: the architecture scan and test runs in the terminal, no worker needed.

`orion dev scan` exits 0 when the code keeps every rule, 1 when a scan found violations
(so CI can gate on it), 2 for a bad path or rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Architecture scans and test runs.", no_args_is_help=True)


@app.callback()
def dev() -> None:
    """Architecture scans and test runs."""


def _registry():  # type: ignore[no-untyped-def]
    # Imported here: importing `orion.cli` loads every module's command groups.
    from orion.kernel.contract.modules import Registry, RegistryError
    from orion.kernel.tooling.cli import fail, settings

    try:
        return Registry.discover(settings().extra_modules)
    except RegistryError as exc:
        fail(str(exc), code=2)


@app.command("rules")
def rules() -> None:
    """The architecture rules a scan checks."""
    from rich.table import Table

    from orion.kernel.tooling.cli import console
    from orion.modules.dev_tools.scanning import RULES

    table = Table("rule", "severity", "what it checks")
    for rule in RULES.values():
        table.add_row(rule.code, rule.severity, rule.description)
    console.print(table)


@app.command("scan")
def scan(
    path: Annotated[
        list[str] | None,
        typer.Option(
            "--path", "-p", help="A folder or file to scan (repeatable); default: the project"
        ),
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", "-r", help="Only this rule (repeatable)")
    ] = None,
    output: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", help="The file-size rule's limit")
    ] = None,
) -> None:
    """Scan the source against the architecture rules; exit 1 on violations."""
    from orion.kernel.tooling.cli import fail
    from orion.modules.dev_tools.scanning import RULES, resolve_target
    from orion.modules.dev_tools.scanning import scan as run_scan
    from orion.modules.dev_tools.settings import DevToolsSettings

    if output not in ("text", "json"):
        fail("--format must be text or json", code=2)
    unknown = [code for code in rule or () if code not in RULES]
    if unknown:
        fail(f"no rule {', '.join(unknown)} (known: {', '.join(RULES)})", code=2)
    registry = _registry()
    targets: list[Path] = []
    for text in path or ():
        resolved = resolve_target(text, registry)
        if resolved is None:
            fail(f"{text}: not a file or folder inside the project or an installed module", 2)
        targets.append(resolved)  # type: ignore[arg-type]
    limit = max_lines or DevToolsSettings().max_file_lines
    report = run_scan(targets or None, rules=rule or None, registry=registry, max_file_lines=limit)
    if output == "json":
        typer.echo(
            json.dumps(
                {
                    "targets": report.targets,
                    "rules": report.rules,
                    "files": report.files,
                    "modules": report.modules,
                    "violations": [
                        v.as_dict() | {"fingerprint": f}
                        for v, f in zip(report.violations, report.fingerprints, strict=True)
                    ],
                    "duration_ms": report.duration_ms,
                },
                indent=2,
            )
        )
    else:
        _print_report(report)
    if report.violations:
        raise typer.Exit(1)


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    from rich.markup import escape
    from rich.table import Table

    from orion.kernel.tooling.cli import console, err

    if report.violations:
        table = Table(title="Architecture violations")
        table.add_column("rule", overflow="fold")
        table.add_column("where", overflow="fold", min_width=24)
        table.add_column("message", overflow="fold", ratio=2)
        for v in report.violations:
            table.add_row(v.rule, escape(f"{v.file}:{v.line}"), escape(v.message))
        console.print(table)
    counts = ", ".join(f"{code}: {count}" for code, count in report.by_rule().items() if count)
    console.print(
        f"{report.files} file(s), {len(report.modules)} module(s), {len(report.rules)} rule(s), "
        f"{report.duration_ms} ms"
    )
    if report.violations:
        err.print(f"[red]{len(report.violations)} violation(s)[/red] ({counts})")
    else:
        console.print("[green]no violations[/green]")


@app.command("test")
def test(
    path: Annotated[str, typer.Argument(help="What to run: a folder or file of tests")] = "tests",
    marker: Annotated[str | None, typer.Option("-m", help="A marker expression")] = None,
    keyword: Annotated[str | None, typer.Option("-k", help="A keyword expression")] = None,
    time_limit: Annotated[
        int | None, typer.Option("--time-limit", help="Seconds before the run is stopped")
    ] = None,
) -> None:
    """Run pytest on PATH as a test run does (in a subprocess, within a time limit) and
    print its results; exit 1 unless every test passed."""
    from rich.markup import escape
    from rich.table import Table

    from orion.kernel.tooling.cli import console, err, fail
    from orion.modules.dev_tools.scanning import project_root, resolve_target
    from orion.modules.dev_tools.settings import DevToolsSettings
    from orion.modules.dev_tools.testing.runner import RunRequest, run_pytest

    resolved = resolve_target(path, _registry())
    if resolved is None:
        fail(f"{path}: not a file or folder inside the project or an installed module", 2)
    defaults = DevToolsSettings()
    request = RunRequest(
        path=resolved,  # type: ignore[arg-type]
        cwd=project_root(),
        marker=marker,
        keyword=keyword,
        time_limit_seconds=time_limit or defaults.test_time_limit_seconds,
        max_output_chars=defaults.max_output_chars,
    )
    outcome = run_pytest(request)
    table = Table("test", "outcome", "seconds")
    for result in sorted(outcome.results, key=lambda r: -r.duration_seconds):
        if result.outcome != "passed":
            table.add_row(escape(result.node_id), result.outcome, f"{result.duration_seconds:.3f}")
    if table.row_count:
        console.print(table)
    console.print(
        f"{outcome.state}: {outcome.count('passed')} passed, {outcome.count('failed')} failed, "
        f"{outcome.count('skipped')} skipped, {outcome.count('error')} error(s) "
        f"in {outcome.duration_ms} ms"
    )
    if outcome.error:
        err.print(f"[red]{escape(outcome.error)}[/red]")
    if outcome.state != "passed":
        raise typer.Exit(1)
