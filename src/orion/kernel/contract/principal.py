"""Who is calling: the principal a request acts as, and a user's standing in a tenant.

The module that provides the `authenticator` point (auth) turns a request into a
`Principal`; the one providing `memberships` (tenancy) says what a user may do in a tenant.
Without them every caller is anonymous.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from orion.kernel.data.tenancy import TenantContext


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str  # "user:<id>", "token:<id>", ...
    user_id: uuid.UUID | None = None
    tenant: TenantContext | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_superadmin: bool = False
    store_ids: frozenset[uuid.UUID] | None = None  # None: every store of the tenant
    role: str | None = None
    scopes: frozenset[str] | None = None  # an access token's scopes; None: the user's own

    def can(self, permission: str) -> bool:
        if self.scopes is not None and permission not in self.scopes:
            return False
        return self.is_superadmin or permission in self.permissions


@dataclass(frozen=True, slots=True)
class Membership:
    tenant: TenantContext
    role: str
    permissions: frozenset[str]
    store_ids: frozenset[uuid.UUID] | None = None
