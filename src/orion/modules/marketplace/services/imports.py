"""Product imports: a feed (uploaded, or fetched from its URL) read in chunks, each chunk
checked, upserted into the catalog by SKU and committed with the import's checkpoint.

`run_import` is the task's body and the one place that commits the task's session: once
per chunk, with the checkpoint (byte offset and rows done) in the same transaction as the
chunk's products, so a worker killed at any moment leaves the import at the end of a
chunk that committed whole. A lease (a token and a heartbeat on the import's row) keeps a
redelivered task from running beside a live one; a stale lease is taken over.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import structlog
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, require_tenant
from orion.kernel.errors import OrionError
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.tasks import enqueue
from orion.modules.catalog import services as catalog
from orion.modules.marketplace.exceptions import (
    ImportNotCancelable,
    MarketplaceInvalid,
)
from orion.modules.marketplace.models import ImportRowError, ProductImport
from orion.modules.marketplace.repository import ImportErrorRepository, ImportRepository
from orion.modules.marketplace.schemas import (
    ImportErrorsPublic,
    ImportPolicy,
    ImportsPublic,
)
from orion.modules.marketplace.services import feed, rows, stock
from orion.modules.marketplace.services.common import (
    Checkpoint,
    file_path,
    save_stream,
    settings_of,
    store_of,
)
from orion.modules.marketplace.services.seen import SeenSkus

log = structlog.get_logger(__name__)

IMPORT_TASK = "marketplace.process_marketplace_import"
FINISHED = ("succeeded", "failed", "stopped", "canceled")
MAX_ERRORS_KEPT = 100_000
Progress = Callable[[int, int], None]  # error rows stored per import; the count goes on


def _key(tenant: TenantContext, import_id: uuid.UUID) -> str:
    return f"imports/{tenant.tenant_id}/{import_id}.csv"


def _new(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    language: str,
    policy: ImportPolicy,
    requested_by: uuid.UUID | None,
    **values: Any,
) -> ProductImport:
    store_of(session, tenant, store_id)
    row = ProductImport(
        id=uuid.uuid4(),
        tenant_id=tenant.tenant_id,
        store_id=store_id,
        language=language,
        policy=policy.value,
        state="pending",
        requested_by=requested_by,
        **values,
    )
    row.file_key = _key(tenant, row.id)
    return row


def start_upload(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    language: str,
    policy: ImportPolicy,
    filename: str,
    source: BinaryIO,
    requested_by: uuid.UUID | None = None,
    send: bool = True,
) -> ProductImport:
    """An import of an uploaded feed: the file is copied to the module's folder a megabyte
    at a time, then the task is sent (after commit; `send=False`: the caller runs it, as
    the CLI does)."""
    with acting_for(session, tenant):
        if language not in ("en", "fr", "de"):
            raise MarketplaceInvalid.field("language", "one of en, fr, de")
        row = _new(
            session, tenant, store_id, language, policy, requested_by, filename=filename[:300]
        )
        assert row.file_key is not None
        row.file_bytes = save_stream(
            file_path(session, row.file_key), source, limit=settings_of(session).max_upload_bytes
        )
        ImportRepository(session).add(row)
        if send:
            enqueue(session, IMPORT_TASK, import_id=row.id, tenant_id=tenant.tenant_id)
        return row


def start_from_url(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    language: str,
    policy: ImportPolicy,
    url: str,
    requested_by: uuid.UUID | None = None,
) -> ProductImport:
    """An import of the feed at `url` (the task downloads it first)."""
    with acting_for(session, tenant):
        row = _new(session, tenant, store_id, language, policy, requested_by, source_url=url)
        ImportRepository(session).add(row)
        enqueue(session, IMPORT_TASK, import_id=row.id, tenant_id=tenant.tenant_id)
        return row


def get_import(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, import_id: uuid.UUID
) -> ProductImport:
    with acting_for(session, tenant):
        return ImportRepository(session).get_in(store_id, import_id)


def imports_listing(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> ImportsPublic:
    with acting_for(session, tenant):
        repo = ImportRepository(session)
        return repo.listing(
            ImportsPublic, repo.in_store(store_id), page, ProductImport.created_at.desc()
        )


def cancel_import(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, import_id: uuid.UUID
) -> ProductImport:
    """Ask a pending or running import to stop after the chunk it is on (the chunks
    committed stay); 409 for a finished one."""
    with acting_for(session, tenant):
        row = ImportRepository(session).get_in(store_id, import_id, lock=True)
        if row.state in FINISHED:
            raise ImportNotCancelable(f"the import has already ended ({row.state})")
        row.cancel_requested = True
        if row.state == "pending":
            row.state, row.finished_at = "canceled", utcnow()
        session.flush()
        return row


def errors_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    import_id: uuid.UUID,
    page: Page | None = None,
) -> ImportErrorsPublic:
    with acting_for(session, tenant):
        ImportRepository(session).get_in(store_id, import_id)
        repo = ImportErrorRepository(session)
        return repo.listing(
            ImportErrorsPublic,
            repo.of_import(import_id),
            page,
            ImportRowError.row,
            ImportRowError.column,
        )


def error_report(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, import_id: uuid.UUID
) -> Iterator[str]:
    """The error report as CSV lines (row, column, value, message), read in batches."""
    import csv
    import io

    with acting_for(session, tenant):
        ImportRepository(session).get_in(store_id, import_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    database = runtime_of(session).database

    def lines() -> Iterator[str]:
        # Read after the request's own unit of work has ended, in one of its own that
        # closes when the last line is sent.
        yield line(["row", "column", "value", "message"])
        with database.unit_of_work(tenant=tenant) as own:
            query = (
                ImportErrorRepository(own)
                .of_import(import_id)
                .order_by(ImportRowError.row, ImportRowError.column)
                .execution_options(yield_per=1000)
            )
            for error in own.scalars(query):
                yield line([error.row, error.column, error.value, error.message])

    return lines()


# -- the task's body -------------------------------------------------------------------------


def run_import(
    session: Session,
    import_id: uuid.UUID,
    *,
    checkpoint: Checkpoint,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run (or resume) the import. `checkpoint()` makes the work so far durable: the task
    (or CLI call) that opened the unit of work passes its commit, and the import calls it
    once per chunk (module docstring). `progress(rows_done, rows_total)` is called after
    each checkpoint (the CLI's bar)."""
    tenant = require_tenant(session)
    settings = settings_of(session)
    token = _claim(session, import_id, settings.import_lease_seconds, checkpoint)
    if token is None:
        row = session.get(ProductImport, import_id)
        checkpoint()
        return {"state": row.state if row else "missing", "ran": False}
    row = session.get(ProductImport, import_id)
    assert row is not None and row.file_key is not None
    path = file_path(session, row.file_key)
    try:
        if row.source_url and row.byte_offset == 0 and row.rows_total is None:
            _download(row.source_url, path, settings.timeout_seconds, settings.max_upload_bytes)
        if row.rows_total is None:
            _shape_up(session, row, path, checkpoint)
            if row.state != "running":
                checkpoint()
                return {"state": row.state, "ran": True}
        _chunks(session, tenant, row, path, token, settings.import_chunk_rows, checkpoint, progress)
    except (feed.FeedUnreadable, OrionError, httpx.HTTPError) as exc:
        session.rollback()
        row = session.get(ProductImport, import_id, populate_existing=True)
        assert row is not None
        message = exc.message if isinstance(exc, OrionError) else str(exc)
        if row.rows_done and row.rows_total:
            message += f" (rows from {row.rows_done + 2} on were not imported)"
        _finish(row, "failed", message[:2000])
        checkpoint()
    except Exception as exc:
        session.rollback()
        failed = session.get(ProductImport, import_id, populate_existing=True)
        if failed is not None:
            _finish(failed, "failed", f"{type(exc).__name__}: {exc}"[:2000])
            checkpoint()
        raise
    row = session.get(ProductImport, import_id, populate_existing=True)
    assert row is not None
    state = row.state
    checkpoint()
    return {"state": state, "ran": True}


def _claim(
    session: Session, import_id: uuid.UUID, lease_seconds: int, checkpoint: Checkpoint
) -> str | None:
    """Take the import's lease (a new token) unless it has ended or a live run holds it."""
    now = utcnow()
    row = session.get(ProductImport, import_id, with_for_update=True)
    if row is None or row.state in FINISHED:
        return None
    if (
        row.state == "running"
        and row.heartbeat_at is not None
        and now - row.heartbeat_at < timedelta(seconds=lease_seconds)
    ):
        return None
    if row.cancel_requested:
        _finish(row, "canceled")
        checkpoint()
        return None
    token = str(uuid.uuid4())
    row.lease_token, row.heartbeat_at, row.state = token, now, "running"
    row.started_at = row.started_at or now
    row.run_started_at, row.run_rows_start = now, row.rows_done
    checkpoint()
    return token


def _download(url: str, path: Path, timeout: float, limit: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
        response.raise_for_status()
        with path.open("wb") as target:
            for chunk in response.iter_bytes(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise feed.FeedUnreadable(f"the feed is larger than {limit} bytes")
                target.write(chunk)


def _shape_up(session: Session, row: ProductImport, path: Path, checkpoint: Checkpoint) -> None:
    """Read the feed's shape; refuse a file without the columns needed. With the stop
    policy, check every row first: a file with a bad row is refused whole."""
    shape = feed.sniff(path)
    row.file_bytes = path.stat().st_size
    missing = rows.missing_columns(shape.header)
    if missing:
        _record(
            session, row, [rows.RowError(1, name, "", "the column is missing") for name in missing]
        )
        _finish(row, "failed", "missing columns: " + ", ".join(missing))
        return
    row.encoding, row.delimiter, row.header = shape.encoding, shape.delimiter, shape.header
    row.rows_total, row.byte_offset = shape.rows_total, shape.data_offset
    if row.policy == ImportPolicy.stop:
        currency = store_of(session, require_tenant(session), row.store_id).currency
        first = _first_error(path, shape, currency)
        if first is not None:
            _record(session, row, first)
            _finish(row, "stopped", f"row {first[0].row}: {first[0].message}; nothing imported")
            return
    checkpoint()


def _first_error(path: Path, shape: feed.FeedShape, currency: str) -> list[rows.RowError] | None:
    seen = SeenSkus(shape.rows_total)
    for block in feed.blocks(path, shape, start=shape.data_offset, first_row=2, size=5000):
        for number, values in block.rows:
            checked = rows.check(number, values, currency)
            if isinstance(checked, list):
                return checked
            first = seen.add(checked.sku, number)
            if first is not None:
                return [_duplicate(checked, first)]
    return None


def _duplicate(row: rows.FeedRow, first: int) -> rows.RowError:
    return rows.RowError(row.row, "id", row.sku, f"the SKU {row.sku} is also on row {first}")


def _shape(row: ProductImport) -> feed.FeedShape:
    assert row.encoding and row.delimiter and row.header is not None
    return feed.FeedShape(row.encoding, row.delimiter, list(row.header), 0, row.rows_total or 0)


def _seen_before(
    path: Path, shape: feed.FeedShape, row: ProductImport, data_offset: int
) -> SeenSkus:
    """The SKUs of the rows done before a resume (the table lives in memory only)."""
    seen = SeenSkus(shape.rows_total)
    if row.rows_done == 0:
        return seen
    done = 0
    for block in feed.blocks(path, shape, start=data_offset, first_row=2, size=5000):
        for number, values in block.rows:
            if done >= row.rows_done:
                return seen
            sku = (values.get("id") or "").strip()
            if sku:
                seen.add(sku, number)
            done += 1
    return seen


def _chunks(
    session: Session,
    tenant: TenantContext,
    row: ProductImport,
    path: Path,
    token: str,
    size: int,
    checkpoint: Checkpoint,
    progress: Progress | None,
) -> None:
    import_id, store_id, language = row.id, row.store_id, row.language
    dry_run = row.policy == ImportPolicy.dry_run
    shape = _shape(row)
    currency = store_of(session, tenant, store_id).currency
    data_offset = feed.data_offset(path, shape)
    seen = _seen_before(path, shape, row, data_offset)
    start, first_row = row.byte_offset, row.rows_done + 2
    run_started, run_rows_start = time.monotonic(), row.rows_done
    checkpoint()
    for block in feed.blocks(path, shape, start=start, first_row=first_row, size=size):
        if _cancel_requested(session, import_id):
            _mark(session, import_id, token, state="canceled", finished_at=utcnow())
            checkpoint()
            return
        counts, errors = _apply_block(
            session, tenant, store_id, language, currency, block, seen, dry_run
        )
        done = (block.rows[-1][0] - 1) if block.rows else row.rows_done
        elapsed = max(time.monotonic() - run_started, 0.001)
        values = {
            "rows_done": done,
            "byte_offset": block.end_offset,
            "heartbeat_at": utcnow(),
            "rows_per_second": int((done - run_rows_start) / elapsed),
            "created_count": ProductImport.created_count + counts["created"],
            "updated_count": ProductImport.updated_count + counts["updated"],
            "unchanged_count": ProductImport.unchanged_count + counts["unchanged"],
            "failed_count": ProductImport.failed_count + counts["failed"],
            "stock_count": ProductImport.stock_count + counts["stock"],
        }
        if not _mark(session, import_id, token, **values):
            session.rollback()  # another run took the import over: this one stops
            log.warning("import_lease_lost", import_id=str(import_id))
            return
        _record_errors(session, tenant, import_id, errors)
        checkpoint()
        if progress is not None:
            progress(done, shape.rows_total)
    _mark(session, import_id, token, state="succeeded", finished_at=utcnow())
    checkpoint()


def _apply_block(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    language: str,
    currency: str,
    block: feed.Block,
    seen: SeenSkus,
    dry_run: bool,
) -> tuple[dict[str, int], list[rows.RowError]]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0, "stock": 0}
    errors: list[rows.RowError] = []
    good: list[rows.FeedRow] = []
    bad_rows: set[int] = set()
    for number, values in block.rows:
        checked = rows.check(number, values, currency)
        if isinstance(checked, list):
            errors.extend(checked)
            bad_rows.add(number)
            continue
        first = seen.add(checked.sku, number)
        if first is not None and first != number:
            errors.append(_duplicate(checked, first))
            bad_rows.add(number)
            continue
        good.append(checked)
    managed = catalog.stock_managed_elsewhere(session, tenant)
    grouped = rows.group(good, language, stock_in_catalog=not managed)
    # A savepoint: a dry run undoes the block's writes and keeps its counts and errors.
    with session.begin_nested() as block_writes:
        result = catalog.upsert_items(session, tenant, store_id=store_id, items=grouped.items)
        for sku, (column, message) in result.refused.items():
            for number in grouped.rows_of[sku]:
                errors.append(
                    rows.RowError(number, "id" if column == "sku" else column, sku, message)
                )
                bad_rows.add(number)
        if managed:
            stock_errors, counts["stock"] = stock.apply(
                session, tenant, store_id=store_id, result=result, wanted=grouped.stock, rows=good
            )
            errors.extend(stock_errors)
        elif grouped.stock:
            counts["stock"] = sum(1 for sku in grouped.stock if sku in result.ids)
        if dry_run:
            block_writes.rollback()
    for sku, outcome in result.outcomes.items():
        counts[outcome] += len(grouped.rows_of[sku])
    counts["failed"] = len(bad_rows)
    return counts, errors


def _cancel_requested(session: Session, import_id: uuid.UUID) -> bool:
    row = session.get(ProductImport, import_id, populate_existing=True)
    return row is None or row.cancel_requested


def _mark(session: Session, import_id: uuid.UUID, token: str, **values: Any) -> bool:
    """Write on the import's row while this run holds its lease; whether it still does."""
    done = session.execute(
        update(ProductImport)
        .where(ProductImport.id == import_id, ProductImport.lease_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)


def _record_errors(
    session: Session, tenant: TenantContext, import_id: uuid.UUID, errors: list[rows.RowError]
) -> None:
    values = [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant.tenant_id,
            "import_id": import_id,
            "row": e.row,
            "column": e.column[:100],
            "value": e.value[:500],
            "message": e.message[:500],
        }
        for e in errors[:MAX_ERRORS_KEPT]
    ]
    if values:  # RETURNING: batched multi-row VALUES (catalog's upsert says why)
        session.execute(insert(ImportRowError).returning(ImportRowError.id), values)


def _record(session: Session, row: ProductImport, errors: list[rows.RowError]) -> None:
    _record_errors(session, require_tenant(session), row.id, errors)
    row.failed_count = len({e.row for e in errors})


def _finish(row: ProductImport, state: str, error: str | None = None) -> None:
    row.state, row.finished_at, row.error = state, utcnow(), error
