"""What every command needs: settings, a runtime, a unit of work, clean errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from orion.kernel.data.tenancy import TenantContext
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


# -- tenants and platforms as people name them: a slug (or code) or the full id --------------

TenantRef = Annotated[
    str | None,
    typer.Option("--tenant", metavar="SLUG|ID", help="The tenant: its slug or its full id"),
]
PlatformRef = Annotated[
    str | None,
    typer.Option(
        "--platform",
        metavar="CODE|ID",
        help="The platform: its code or its full id  [default: the default platform]",
    ),
]


def platform_id_of(rt: Runtime, session: Session, reference: str | None) -> uuid.UUID:
    """The platform named by code or id (the default platform for None); fails naming it."""
    if reference is None:
        return rt.directory.default_platform_id(session)
    found = rt.directory.platform_lookup(session, reference)
    if found is None:
        fail(f"no platform has the code or id {reference!r} (see `orion tenants platforms`)")
    return found  # type: ignore[return-value]


def tenant_of(
    rt: Runtime, session: Session, reference: str, *, platform: str | None = None
) -> TenantContext:
    """The tenant named by slug or id; a slug on several platforms needs `--platform`."""
    matches = rt.directory.lookup(session, reference)
    if platform is not None:
        platform_id = platform_id_of(rt, session, platform)
        matches = [t for t in matches if t.platform_id == platform_id]
    if not matches:
        fail(f"no tenant has the slug or id {reference!r} (see `orion tenants list`)")
    if len(matches) > 1:
        fail(f"tenants on {len(matches)} platforms have the slug {reference!r}; add --platform")
    return matches[0]
