"""What tenancy's routes need, as Annotated dependencies."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from orion.kernel.contract.principal import Principal
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.web.dependencies import SessionDep, require_permission
from orion.modules.tenancy import service

TenancyRead = Annotated[Principal, Depends(require_permission("tenancy.read"))]
TenancyManage = Annotated[Principal, Depends(require_permission("tenancy.manage"))]


def target_tenant(session: SessionDep, tenant_id: Annotated[uuid.UUID, Path()]) -> TenantContext:
    """Operators' routes: the tenant named in the path (404 when there is none)."""
    return service.tenant_context(session, tenant_id)


TargetTenant = Annotated[TenantContext, Depends(target_tenant)]


def visible_stores(principal: Principal) -> frozenset[uuid.UUID] | None:
    """The stores a member is limited to (None: every store of the tenant)."""
    return None if principal.is_superadmin else principal.store_ids
