"""Alembic env: runs against the runtime's engine; autogenerate limited to one module."""

from __future__ import annotations

from alembic import context

from orion.kernel.data.db import Base, JSONType

config = context.config
runtime = config.attributes["runtime"]
# Set by `orion db revision --module X`: a predicate on table names.
owns_table = config.attributes.get("owns_table")


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ == "table":
        table_name = name
    elif hasattr(obj, "table"):
        table_name = obj.table.name
    else:
        return True
    if table_name == "alembic_version":
        return False
    if owns_table is not None:
        return bool(table_name) and owns_table(table_name)
    return True


def render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    # Render the kernel's JSON type (JSONB on PostgreSQL) by name, not as its expansion.
    if type_ == "type" and obj is JSONType:
        return "orion.kernel.data.db.JSONType"
    return False


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with runtime.database.engine.connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        user_module_prefix="orion.kernel.data.db.",
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
