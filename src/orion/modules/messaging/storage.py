"""Where attachment bytes live: a small storage interface and its local-folder default.

The folder is `ORION_MODULES__MESSAGING__STORAGE_DIR`; without it, `messaging-files` next
to a SQLite database file, else in the system's temporary folder. Keys are
`<tenant id>/<attachment id>`: nothing a user typed reaches the file system.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from orion.kernel.runtime import runtime_of
from orion.modules.messaging.settings import settings_from


class AttachmentStorage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...

    def load(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalFolderStorage:
    """Files in a folder, one per key (written to a temporary name, then renamed)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not parts or any(p in ("", ".", "..") or "\\" in p for p in parts):
            raise ValueError(f"bad storage key {key!r}")
        return self.root.joinpath(*parts)

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)

    def load(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def default_folder(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "messaging-files"
    return Path(tempfile.gettempdir()) / "orion-messaging-files"


def storage_of(session: Session) -> AttachmentStorage:
    """The deployment's attachment storage (a module may set `messaging.storage` in the
    runtime's extras to another implementation)."""
    runtime = runtime_of(session)
    custom = runtime.extras.get("messaging.storage")
    if custom is not None:
        return custom  # type: ignore[no-any-return]
    settings = settings_from(runtime.settings.modules.get("messaging"))
    return LocalFolderStorage(settings.storage_dir or default_folder(runtime.settings.database_url))
