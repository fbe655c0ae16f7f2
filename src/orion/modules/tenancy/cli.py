"""`orion tenants ...`: tenants from the command line."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

import typer

app = typer.Typer(help="Tenants (merchants), their stores and members.", no_args_is_help=True)


@app.callback()
def tenants() -> None:
    """Tenants (merchants), their stores and members."""


PlatformOption = Annotated[
    str | None,
    typer.Option(
        "--platform",
        metavar="CODE|ID",
        help="The platform: its code or its full id  [default: the default platform]",
    ),
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
    from orion.kernel.tooling.cli import console, orion_errors, platform_id_of, runtime
    from orion.modules.tenancy import services

    with runtime() as rt, orion_errors(), rt.database.unit_of_work() as session:
        platform_id = platform_id_of(rt, session, platform) if platform else None
        overviews, count, offset = [], 0, 0
        while offset == 0 or offset < count:  # every tenant, a page of 500 at a time
            rows, count = services.list_tenants(
                session, platform_id=platform_id, page=Page(limit=500, offset=offset)
            )
            if not rows:
                break
            overviews += services.tenant_overviews(session, rows)
            offset += len(rows)
    if as_json:
        payload = {"data": [t.model_dump(mode="json") for t in overviews], "count": count}
        typer.echo(json.dumps(payload))
        return
    table = Table("name", "slug", "active", "members", "modules")
    # Whole ids, never cut: they are pasted back into other commands.
    table.add_column("id", no_wrap=True, min_width=36)
    for tenant in overviews:
        table.add_row(
            tenant.name,
            tenant.slug,
            "yes" if tenant.is_active else "no",
            str(len(tenant.members)),
            ", ".join(tenant.modules),
            str(tenant.id),
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
    allow_duplicate_name: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate-name",
            help="Create it even when a tenant of the platform has this name (its slug gets a "
            "number)",
        ),
    ] = False,
) -> None:
    """Create a tenant, and invite its first admin (the accept link is printed)."""
    from pydantic import ValidationError

    from orion.kernel.runtime.worker import create_celery
    from orion.kernel.tooling.cli import console, fail, orion_errors, platform_id_of, runtime
    from orion.kernel.web.messages import describe
    from orion.modules.tenancy import services
    from orion.modules.tenancy.schemas import TenantCreate, TenantInvitationCreate

    try:
        data = TenantCreate(name=name, slug=slug)
        invite = (
            TenantInvitationCreate(email=admin_email, role="tenant_admin") if admin_email else None
        )
    except ValidationError as exc:
        fail(" ".join(describe(e) for e in exc.errors()))
        return
    with runtime() as rt, orion_errors():
        # The invitation mail goes through the outbox: sent to the broker now, or (with the
        # embedded worker) picked up by the running server's outbox sweep.
        create_celery(runtime=rt)
        with rt.database.unit_of_work() as session:
            platform_id = platform_id_of(rt, session, platform)
            twin = services.find_tenant_named(session, platform_id, name)
            if twin is not None and not allow_duplicate_name and slug is None:
                fail(
                    f"a tenant named {twin.name!r} exists on this platform (slug {twin.slug}, "
                    f"id {twin.id}); add --allow-duplicate-name to create another"
                )
            tenant = services.create_tenant(session, platform_id, data=data)
            token = None
            if invite is not None:
                context = services.tenant_context(session, tenant.id)
                _, token = services.create_invitation(session, context, data=invite)
            tenant_id, tenant_slug = tenant.id, tenant.slug
    console.print(f"[green]tenant {name} created[/green]: slug {tenant_slug}, id {tenant_id}")
    if token:
        base_url = rt.settings.base_url.rstrip("/")
        link = f"{base_url}/console/invitations/accept?token={quote(token, safe='')}"
        console.print(f"invitation for {admin_email} (the link is shown once): {link}")
