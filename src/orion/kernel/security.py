"""Who is calling: the `Principal`, and the `authenticator` extension point.

The kernel does not know how people sign in; the module that provides `authenticator`
(auth) turns a request into a Principal. Without one, every caller is anonymous.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from orion.kernel.tenancy import TenantContext


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str  # "user:<id>", "token:<id>", ...
    user_id: uuid.UUID | None = None
    tenant: TenantContext | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_superadmin: bool = False
    store_ids: frozenset[uuid.UUID] | None = None  # None: every store of the tenant

    def can(self, permission: str) -> bool:
        return self.is_superadmin or permission in self.permissions


class Authenticator(Protocol):
    """Kernel extension point `authenticator`."""

    def __call__(self, session: Session, connection: HTTPConnection) -> Principal | None: ...
