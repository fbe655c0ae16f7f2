"""PostgreSQL row-level security for tenant tables: the second wall behind the ORM filter.

In a migration that creates a tenant-owned table:

    from orion.kernel.data.rls import enable_tenant_rls, disable_tenant_rls

    def upgrade():
        op.create_table("notes_note", ...)
        enable_tenant_rls(op, "notes_note")

    def downgrade():
        disable_tenant_rls(op, "notes_note")
        op.drop_table("notes_note")

The policy lets a row through when the transaction acts for no tenant (platform code, the
setting unset or empty) or for the row's own tenant. A session with a tenant context sets
`orion.tenant_id` for each transaction (kernel/tenancy.py), so even raw SQL written in a
tenant's session cannot read or write another tenant's rows. On SQLite this is a no-op.
"""

from __future__ import annotations

from typing import Any

POLICY = "orion_tenant_isolation"
_TENANT_SETTING = "NULLIF(current_setting('orion.tenant_id', true), '')"


def _is_postgresql(op: Any) -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable_tenant_rls(op: Any, table: str) -> None:
    if not _is_postgresql(op):
        return
    condition = f"{_TENANT_SETTING} IS NULL OR tenant_id = {_TENANT_SETTING}::uuid"
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    # FORCE: the application connects as the table's owner, which RLS would otherwise skip.
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({condition}) WITH CHECK ({condition})')


def disable_tenant_rls(op: Any, table: str) -> None:
    if not _is_postgresql(op):
        return
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


def bypassing_role(connection: Any) -> str | None:
    """The connection's role when row-level security does not apply to it (a superuser or
    a role with BYPASSRLS: the policies above are then no wall at all), else None."""
    if connection.dialect.name != "postgresql":
        return None
    from sqlalchemy import text

    bypasses = connection.execute(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    return connection.execute(text("SELECT current_user")).scalar() if bypasses else None
