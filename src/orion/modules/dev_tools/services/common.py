"""What the scan and test-run services share: the module's settings, the platform acted
on, paths a superadmin may name, and progress written while a task runs."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from orion.kernel.errors import FieldError
from orion.kernel.runtime import Runtime, runtime_of
from orion.modules.dev_tools.exceptions import DevToolsDisabled, PathRefused
from orion.modules.dev_tools.scanning import project_root, resolve_target
from orion.modules.dev_tools.settings import DevToolsSettings

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes of one task


def settings_of(runtime: Runtime) -> DevToolsSettings:
    return DevToolsSettings.model_validate(runtime.settings.modules.get("dev_tools", {}))


def is_enabled(runtime: Runtime) -> bool:
    return settings_of(runtime).enabled


def ensure_enabled(session: Session) -> DevToolsSettings:
    """The module's settings; 404 when the deployment switched dev_tools off."""
    settings = settings_of(runtime_of(session))
    if not settings.enabled:
        raise DevToolsDisabled("no such page")
    return settings


def default_platform(session: Session) -> uuid.UUID:
    return runtime_of(session).directory.default_platform_id(session)


def shown_path(path: Path) -> str:
    """How a path is stored and shown: from the project root where it lies inside it."""
    try:
        return path.relative_to(project_root()).as_posix() or "."
    except ValueError:
        return path.as_posix()


def checked_path(session: Session, text: str, *, field: str = "path") -> Path:
    """`text` resolved inside the project or an installed module's folder, else 422."""
    resolved = resolve_target(text, runtime_of(session).registry)
    if resolved is None:
        raise PathRefused(
            f"{text!r} is not a file or folder inside the project or an installed module",
            errors=[FieldError(field, "must exist inside the project or an installed module")],
        )
    return resolved


def progress_writer(
    runtime: Runtime, model: type[Any], row_id: uuid.UUID, columns: Callable[..., dict[str, Any]]
) -> Callable[..., None]:
    """A callback writing a task's progress on its row in a short transaction of its own
    (so readers see it while the task's own transaction is still open), at most every
    PROGRESS_INTERVAL seconds, and always the last one."""
    last = [0.0]

    def write(*args: Any, final: bool = False) -> None:
        now = time.monotonic()
        values = columns(*args)
        if not final and now - last[0] < PROGRESS_INTERVAL and not _is_last(values):
            return
        last[0] = now
        with runtime.database.unit_of_work() as session:
            session.execute(update(model).where(model.id == row_id).values(**values))

    return write


def _is_last(values: dict[str, Any]) -> bool:
    done = values.get("progress_done", values.get("done"))
    total = values.get("progress_total", values.get("total"))
    return total is not None and done is not None and done >= total


def mark(runtime: Runtime, model: type[Any], row_id: uuid.UUID, **values: Any) -> None:
    """Write `values` on the row at once, in a transaction of their own."""
    with runtime.database.unit_of_work() as session:
        session.execute(update(model).where(model.id == row_id).values(**values))


def clip(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... ({len(text) - limit} characters left out) ...\n{text[-half:]}"
