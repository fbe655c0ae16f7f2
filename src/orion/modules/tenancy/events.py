"""Events tenancy publishes: its public contract with the other modules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from orion.kernel.runtime.events import Event


class TenantCreated(Event):
    name: ClassVar[str] = "tenancy.tenant_created"

    platform_id: uuid.UUID
    tenant_name: str


class TenantDeleted(Event):
    """The tenant and tenancy's rows of it are gone; modules drop what they keep for it.

    The id is `deleted_tenant_id`, not `tenant_id`: delivery runs handlers in an event's
    tenant, and this one no longer exists (handlers run as platform code).
    """

    name: ClassVar[str] = "tenancy.tenant_deleted"

    deleted_tenant_id: uuid.UUID
    platform_id: uuid.UUID


class InvitationCreated(Event):
    """`token` is the plaintext one-time token, for the invitation mail only."""

    name: ClassVar[str] = "tenancy.invitation_created"
    secret_fields: ClassVar[frozenset[str]] = frozenset({"token"})

    invitation_id: uuid.UUID
    tenant_name: str
    email: str
    role: str
    token: str
    expires_at: datetime
    invited_by_email: str | None = None


class MemberAdded(Event):
    name: ClassVar[str] = "tenancy.member_added"

    user_id: uuid.UUID
    role: str


class MemberRemoved(Event):
    name: ClassVar[str] = "tenancy.member_removed"

    user_id: uuid.UUID
