"""What every command needs: settings, a runtime, a unit of work, clean errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime
    from orion.settings import OrionSettings

console = Console(soft_wrap=True)
err = Console(stderr=True)


def settings(*, server: bool = False) -> OrionSettings:
    """The settings, logging configured: servers (serve, worker, beat) log at the configured
    level; one-off commands keep INFO lines out of what they print."""
    from orion.kernel.runtime.observability import configure_logging
    from orion.settings import load_settings

    loaded = load_settings()
    quiet = not server and loaded.log_level == "INFO"
    configure_logging("WARNING" if quiet else loaded.log_level, json=loaded.log_json)
    return loaded


@contextmanager
def runtime() -> Iterator[Runtime]:
    from orion.kernel.contract.modules import RegistryError
    from orion.kernel.runtime import build_runtime

    try:
        built = build_runtime(settings())
    except RegistryError as exc:
        fail(str(exc))
    try:
        yield built
    finally:
        built.close()


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


@contextmanager
def orion_errors() -> Iterator[None]:
    from orion.kernel.contract.modules import RegistryError
    from orion.kernel.errors import OrionError

    try:
        yield
    except OrionError as exc:
        fail(exc.message)
    except RegistryError as exc:
        fail(str(exc))
