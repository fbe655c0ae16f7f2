"""Database foundation: declarative base, mixins, engine and unit-of-work sessions.

A request, task or CLI call is one unit of work: services `flush()`, the boundary
(`Database.unit_of_work`) commits or rolls back. Work that must only happen once the data
is durable (sending a Celery task, delivering outbox events) is registered with
`after_commit(session, fn)` and dropped on rollback.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import JSON, DateTime, MetaData, Uuid, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    SessionTransaction,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from orion.kernel.data.tenancy import TenantContext

log = structlog.get_logger(__name__)

# session.info: the TenantContext the session acts for (read and kept by kernel.data.tenancy).
TENANT_INFO = "orion.tenant"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Orion stores aware UTC timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """The one declarative base. Tables are prefixed by their module: `billing_subscription`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantScoped:
    """Rows owned by one tenant. Queries are filtered to the session's tenant by the kernel."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(index=True)


# --- engine and sessions --------------------------------------------------------------


def create_db_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        in_memory = ":memory:" in url or url.rstrip("/") == "sqlite:"
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if in_memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves. IMMEDIATE
        # takes the write lock up front: a transaction that read and then writes would
        # otherwise fail at once ("database is locked") when another writer committed in
        # between, which no busy timeout waits out. SQLite is the embedded default, where
        # serialised transactions are the price of needing no server.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener drive transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """Engine plus session factory. `info` is copied into every session (e.g. the Celery app)."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_db_engine(url, echo=echo, pool_size=pool_size)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def bind_info(self, **info: Any) -> None:
        self.session_factory.kw.setdefault("info", {}).update(info)

    def session(self) -> Session:
        session = self.session_factory()
        session.info.update(self.session_factory.kw.get("info", {}))
        return session

    @contextmanager
    def unit_of_work(self, *, tenant: TenantContext | None = None) -> Iterator[Session]:
        """One session, committed when the block succeeds, rolled back when it raises (but
        committed when the error says it keeps the changes made before it).

        With `tenant`, the unit of work acts for that tenant from its first statement to
        its commit: the boundary of work done for one tenant (a request, a task, one
        metered call) sets it once, where `acting_for` inside would set and reset it."""
        session = self.session()
        if tenant is not None:
            session.info[TENANT_INFO] = tenant
        try:
            yield session
            session.commit()
        except BaseException as exc:
            if getattr(exc, "keeps_changes", False) and session.is_active:
                session.commit()
            else:
                session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def insert_or_ignore(
    session: Session, model: type[Any], values: dict[str, Any], *, unique: tuple[str, ...]
) -> bool:
    """INSERT the row unless one with the same `unique` columns exists; True when inserted.

    One statement (ON CONFLICT DO NOTHING on PostgreSQL and SQLite), so concurrent callers
    never race between a read and a write. Python-side column defaults apply; the tenant
    filter does not (Core inserts are not ORM writes), so pass `tenant_id` explicitly.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - Orion runs on PostgreSQL and SQLite
        raise NotImplementedError(f"insert_or_ignore on {dialect}")
    table = model.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(*table.primary_key.columns)
    )
    # RETURNING says whether a row went in; the rowcount of ON CONFLICT statements does not
    # say so reliably across drivers.
    return session.execute(statement).first() is not None


# --- after-commit callbacks -------------------------------------------------------------

_AFTER_COMMIT = "orion.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's outermost transaction commits.

    Dropped when that transaction rolls back, or when the savepoint it was registered in
    rolls back, so a task enqueued by work that was undone is never sent.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append((session.get_nested_transaction(), callback))


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the outer transaction may still roll back
    for _savepoint, callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:
            # The data is committed; a failed side effect (broker down) must not turn the
            # request into an error. The outbox sweep and task retries make up for it.
            log.exception("after_commit_callback_failed", callback=repr(callback))


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_AFTER_COMMIT)
    if not pending:
        return
    if not previous.nested:
        session.info.pop(_AFTER_COMMIT, None)
        return
    session.info[_AFTER_COMMIT] = [
        (savepoint, callback) for savepoint, callback in pending if not _within(savepoint, previous)
    ]


@event.listens_for(Session, "after_transaction_end")
def _forget_after_commit(session: Session, transaction: SessionTransaction) -> None:
    # A root transaction that ended without committing (session.close()) takes its
    # callbacks with it.
    if transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def serialise(session: Session, name: str, key: object) -> None:
    """Hold a lock on (`name`, `key`) until the transaction ends, so that work checking a
    rule over many rows (a plan's product limit, the next invoice number) runs one at a
    time per key. PostgreSQL: a transaction-level advisory lock; SQLite: nothing to do, its
    transactions already take the write lock when they begin (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"{name}\x00{key}".encode(), digest_size=8).digest()
    lock_id = int.from_bytes(digest, "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": lock_id})
