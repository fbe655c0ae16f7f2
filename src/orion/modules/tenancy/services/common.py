"""What tenancy's services share: the module's settings, the roles, field errors and the
insert that turns a unique key taken meanwhile into the module's conflict."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.errors import FieldError, OrionError, ValidationFailed
from orion.kernel.runtime import runtime_of
from orion.modules.tenancy.schemas import ROLES
from orion.modules.tenancy.settings import TenancySettings

TENANT_ADMIN = "tenant_admin"


def tenancy_settings(session: Session) -> TenancySettings:
    return TenancySettings.model_validate(runtime_of(session).settings.modules.get("tenancy", {}))


def insert_unique(session: Session, row: Any, conflict: Callable[[], OrionError]) -> None:
    """Add and flush `row`; a unique key taken meanwhile by a concurrent request answers
    `conflict()` (the checks before catch the usual case with a clear message)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise conflict() from None


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", errors=[FieldError(field, message)])


def check_role(role: str, *, field: str = "role") -> str:
    if role not in ROLES:
        raise invalid(field, f"unknown role {role!r}; one of {', '.join(ROLES)}")
    return role


def as_uuids(values: Iterable[str] | None) -> list[uuid.UUID] | None:
    """A stored `store_ids` list (strings in JSON) as ids; None stays None (every store)."""
    return None if values is None else [uuid.UUID(v) for v in values]
