"""`orion tenants ...`: tenants from the command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Tenants (merchants), their stores and members.", no_args_is_help=True)


@app.callback()
def tenants() -> None:
    """Tenants (merchants), their stores and members."""


PlatformOption = Annotated[
    str | None, typer.Option("--platform", help="Platform code (the default platform if omitted)")
]


@app.command("list")
def list_tenants(
    platform: PlatformOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
) -> None:
    """Every tenant with its slug, state, members and enabled modules."""
    # Imported here: importing `orion.cli` loads every module's command groups, this one too.
    from rich.table import Table

    from orion.kernel.data.paging import Page
    from orion.kernel.tooling.cli import console, orion_errors, runtime
    from orion.modules.tenancy import services

    with runtime() as rt, orion_errors(), rt.database.unit_of_work() as session:
        platform_id = _platform_id(session, platform) if platform else None
        rows, count = services.list_tenants(session, platform_id=platform_id, page=Page(limit=500))
        overviews = services.tenant_overviews(session, rows)
    if as_json:
        payload = {"data": [t.model_dump(mode="json") for t in overviews], "count": count}
        typer.echo(json.dumps(payload))
        return
    table = Table("id", "name", "slug", "active", "members", "modules")
    for tenant in overviews:
        table.add_row(
            str(tenant.id),
            tenant.name,
            tenant.slug,
            "yes" if tenant.is_active else "no",
            str(len(tenant.members)),
            ", ".join(tenant.modules),
        )
    console.print(table)
    console.print(f"{count} tenant(s)")


@app.command("create")
def create_tenant(
    name: Annotated[str, typer.Argument(help="The merchant's name")],
    slug: Annotated[str | None, typer.Option(help="Derived from the name if omitted")] = None,
    platform: PlatformOption = None,
    admin_email: Annotated[
        str | None,
        typer.Option("--invite", help="Invite this email as the tenant's first tenant_admin"),
    ] = None,
) -> None:
    """Create a tenant, and invite its first admin."""
    from pydantic import ValidationError

    from orion.kernel.runtime.worker import create_celery
    from orion.kernel.tooling.cli import console, fail, orion_errors, runtime
    from orion.modules.tenancy import services
    from orion.modules.tenancy.schemas import TenantCreate, TenantInvitationCreate

    try:
        data = TenantCreate(name=name, slug=slug)
        invite = (
            TenantInvitationCreate(email=admin_email, role="tenant_admin") if admin_email else None
        )
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
        return
    with runtime() as rt, orion_errors():
        # The invitation mail goes through the outbox: sent to the broker now, or (with the
        # embedded worker) picked up by the running server's outbox sweep.
        create_celery(runtime=rt)
        with rt.database.unit_of_work() as session:
            platform_id = (
                _platform_id(session, platform)
                if platform
                else rt.directory.default_platform_id(session)
            )
            tenant = services.create_tenant(session, platform_id, data=data)
            token = None
            if invite is not None:
                context = services.tenant_context(session, tenant.id)
                _, token = services.create_invitation(session, context, data=invite)
            tenant_id, tenant_slug = tenant.id, tenant.slug
    console.print(f"[green]tenant {name} created[/green]: id {tenant_id}, slug {tenant_slug}")
    if token:
        console.print(f"invitation for {admin_email}; accept token (shown once): {token}")


def _platform_id(session, code: str):  # type: ignore[no-untyped-def]
    from orion.modules.tenancy import services

    return services.platform_by_code(session, code).id
