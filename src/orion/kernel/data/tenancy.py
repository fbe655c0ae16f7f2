"""Tenant context and automatic tenant filtering.

The tenant a unit of work acts for lives on its session (`session.info`), not in a global:
FastAPI runs sync dependencies and endpoints in worker threads, and a Celery task opens its
own session, so the session is the one object every layer shares.

Code switches the tenant a session acts for in one way only: `with acting_for(session,
tenant):` (an operator route acting for a named tenant, a task, the CLI, demo data), which
gives the session back the tenant it had when the block ends. The kernel's own boundaries
(the request's session, `ModuleTask`) set the tenant once with `set_tenant`.

Every ORM statement that touches a `TenantScoped` model is filtered to the session's tenant.
A session with no tenant that touches tenant-owned rows is refused (fail closed); platform
code that must see every tenant says so with `all_tenants(session)`. New tenant-owned rows
get the session's tenant, and writing a row for another tenant is refused.

On PostgreSQL the tenant id is also set as the transaction-local setting `orion.tenant_id`,
which row-level security policies key on as a second wall.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import util as sql_util

from orion.kernel.data.db import TENANT_INFO, Base, TenantScoped
from orion.kernel.errors import OrionError

_TENANT = TENANT_INFO
_ALL_TENANTS = "orion.all_tenants"


@dataclass(frozen=True, slots=True)
class TenantContext:
    tenant_id: uuid.UUID
    platform_id: uuid.UUID | None = None


class TenantContextMissing(OrionError):
    status = 500
    code = "tenant_context_missing"


class CrossTenantWrite(OrionError):
    status = 403
    code = "cross_tenant_write"


def set_tenant(session: Session, tenant: TenantContext | None) -> None:
    session.info[_TENANT] = tenant
    if session.in_transaction():
        _set_database_tenant(session, tenant)


def get_tenant(session: Session) -> TenantContext | None:
    return session.info.get(_TENANT)


def all_tenants_lifted(session: Session) -> bool:
    """True inside `all_tenants(session)`: platform code that sees every tenant."""
    return bool(session.info.get(_ALL_TENANTS))


def require_tenant(session: Session) -> TenantContext:
    tenant = get_tenant(session)
    if tenant is None:
        raise TenantContextMissing("this operation needs a tenant context")
    return tenant


@contextmanager
def acting_for(session: Session, tenant: TenantContext) -> Iterator[TenantContext]:
    """Run the block as `tenant`: filtered to its rows, new rows stamped with it and, on
    PostgreSQL, row-level security keyed on it. What the block added is flushed before it
    ends; then the session's previous tenant (or none) is restored. Already acting for
    `tenant`, the block runs as it is."""
    previous = get_tenant(session)
    lifted = session.info.get(_ALL_TENANTS, False)
    if previous == tenant and not lifted:
        yield tenant
        return
    session.info[_ALL_TENANTS] = False
    set_tenant(session, tenant)
    try:
        yield tenant
        session.flush()  # what the block wrote is written as the tenant, before it leaves
    finally:
        session.info[_ALL_TENANTS] = lifted
        session.info[_TENANT] = previous
        # After a database error the transaction is lost anyway; a new one starts right.
        if session.is_active and session.in_transaction():
            _set_database_tenant(session, None if lifted else previous)


@contextmanager
def all_tenants(session: Session) -> Iterator[Session]:
    """Platform-level code: lift tenant filtering for the duration of the block."""
    previous = session.info.get(_ALL_TENANTS, False)
    session.info[_ALL_TENANTS] = True
    tenant = get_tenant(session)
    if tenant is not None and session.in_transaction():
        _set_database_tenant(session, None)  # the RLS policies let platform code through
    try:
        yield session
    finally:
        session.info[_ALL_TENANTS] = previous
        if tenant is not None and session.in_transaction():
            _set_database_tenant(session, tenant)


def _touches_tenant_rows(state: ORMExecuteState) -> bool:
    if any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers):
        return True
    # `select(func.count()).select_from(Model)` names no mapper in all_mappers; look at the
    # tables the statement reads.
    tenant_tables = _tenant_tables()
    return any(
        table.name in tenant_tables
        for table in sql_util.find_tables(state.statement, include_joins=True)
    )


_tenant_table_names: tuple[int, frozenset[str]] = (-1, frozenset())


def _tenant_tables() -> frozenset[str]:
    """Names of the tenant-owned tables, recomputed only when models were added."""
    global _tenant_table_names
    mappers = Base.registry.mappers
    if _tenant_table_names[0] != len(mappers):
        _tenant_table_names = (
            len(mappers),
            frozenset(
                mapper.local_table.name
                for mapper in mappers
                if issubclass(mapper.class_, TenantScoped) and mapper.local_table is not None
            ),
        )
    return _tenant_table_names[1]


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the parent statement already carries the criteria
    if not (state.is_select or state.is_update or state.is_delete):
        return
    session = state.session
    if session.info.get(_ALL_TENANTS) or state.execution_options.get("all_tenants"):
        return
    tenant = get_tenant(session)
    if tenant is None:
        if not _touches_tenant_rows(state):
            return
        raise TenantContextMissing(
            "query on tenant-owned rows without a tenant context; "
            "use all_tenants(session) for platform-level code"
        )
    tenant_id = tenant.tenant_id
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            track_closure_variables=False,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_ALL_TENANTS):
        return
    tenant = get_tenant(session)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantScoped):
            continue
        if tenant is None:
            if obj.tenant_id is None:
                raise TenantContextMissing(f"new {type(obj).__name__} without a tenant context")
            raise TenantContextMissing(
                f"writing {type(obj).__name__} without a tenant context; "
                "use all_tenants(session) for platform-level code"
            )
        if obj.tenant_id is None:
            obj.tenant_id = tenant.tenant_id
        elif obj.tenant_id != tenant.tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")


@event.listens_for(Session, "after_begin")
def _tenant_setting_on_begin(session: Session, _transaction: Any, connection: Any) -> None:
    tenant = get_tenant(session)
    if session.info.get(_ALL_TENANTS):
        return
    if tenant is not None and connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT set_config('orion.tenant_id', :tenant, true)"),
            {"tenant": str(tenant.tenant_id)},
        )


def _set_database_tenant(session: Session, tenant: TenantContext | None) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT set_config('orion.tenant_id', :tenant, true)"),
            {"tenant": str(tenant.tenant_id) if tenant else ""},
        )
