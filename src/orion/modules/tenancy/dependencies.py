"""What tenancy's routes need, as Annotated dependencies."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from orion.kernel.contract.principal import Principal
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.web.dependencies import SessionDep, require_permission
from orion.modules.tenancy import services

TenancyRead = Annotated[Principal, Depends(require_permission("tenancy.read"))]
TenancyManage = Annotated[Principal, Depends(require_permission("tenancy.manage"))]


def named_tenant(session: SessionDep, tenant_id: Annotated[uuid.UUID, Path()]) -> TenantContext:
    """Operators' routes on the tenant record itself (read, change, delete it, its module
    switches): the tenant named in the path, 404 when there is none. Unlike the kernel's
    `TargetTenant` the session does not act for it: these routes are platform code, and
    deleting a tenant is published as such."""
    return services.tenant_context(session, tenant_id)


NamedTenant = Annotated[TenantContext, Depends(named_tenant)]


def visible_stores(principal: Principal) -> frozenset[uuid.UUID] | None:
    """The stores a member is limited to (None: every store of the tenant)."""
    return None if principal.is_superadmin else principal.store_ids
