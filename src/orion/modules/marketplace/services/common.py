"""What the marketplace's services share: its settings, the store a call works on, where
its files live."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import StoreNotFound
from orion.kernel.runtime import runtime_of
from orion.modules.marketplace.exceptions import UploadTooLarge
from orion.modules.marketplace.settings import MarketplaceSettings, settings_from
from orion.modules.tenancy import services as tenancy

COPY_BYTES = 1024 * 1024
# What a long job calls to make its work so far durable (a chunk, a page): the task or CLI
# call that opened the unit of work passes its commit. Services never commit themselves.
Checkpoint = Callable[[], None]


def settings_of(session: Session) -> MarketplaceSettings:
    return settings_from(runtime_of(session).settings.modules.get("marketplace"))


def store_of(session: Session, tenant: TenantContext, store_id: uuid.UUID) -> StoreInfo:
    """The tenant's store; 404 `store_not_found` for an unknown one or another tenant's."""
    store = tenancy.stores.store(session, tenant, store_id)
    if store is None:
        raise StoreNotFound(f"store {store_id} does not exist")
    return store


def storage_root(session: Session) -> Path:
    """The folder of the module's files (uploads, exports). Paths below it are made of ids
    only: nothing a user typed reaches the file system."""
    runtime = runtime_of(session)
    configured = settings_of(session).storage_dir
    if configured is not None:
        return configured
    url = make_url(runtime.settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "marketplace-files"
    return Path(tempfile.gettempdir()) / "orion-marketplace-files"


def file_path(session: Session, key: str) -> Path:
    parts = key.split("/")
    if not parts or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise ValueError(f"bad storage key {key!r}")
    return storage_root(session).joinpath(*parts)


def save_stream(path: Path, source: BinaryIO, *, limit: int) -> int:
    """Copy `source` to `path` a megabyte at a time (never all of it in memory); its size.
    413 `upload_too_large` past `limit` bytes (nothing is left behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    size = 0
    try:
        with partial.open("wb") as target:
            while chunk := source.read(COPY_BYTES):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(f"the file is larger than {limit} bytes")
                target.write(chunk)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return size


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
