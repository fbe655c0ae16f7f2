"""Provider key routes: the tenant's own keys (`api`: its members, and operators acting for
it under /api/v1/admin/api_keys/tenants/{tenant_id}); the platform's keys and every tenant's
keys for operators (`admin`). Keys are accepted, never answered (masked)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import (
    CurrentTenant,
    PageDep,
    PlatformAdmin,
    PlatformId,
    SessionDep,
    problem_responses,
    require_permission,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.api_keys import service
from orion.modules.api_keys.schemas import (
    AdminApiKeyCreate,
    AdminApiKeyPublic,
    AdminApiKeysPublic,
    AdminApiKeyUpdate,
    AdminTenantApiKeysPublic,
    TenantApiKeyCreate,
    TenantApiKeyPublic,
    TenantApiKeysPublic,
    TenantApiKeyUpdate,
)

api = APIRouter()
admin = APIRouter()

CanManage = Annotated[Principal, Depends(require_permission("api_keys.manage"))]
NOT_FOUND = problem_responses(404)
SAVING = problem_responses(409, 422)


@api.get("/keys", response_model=TenantApiKeysPublic)
def list_keys(
    session: SessionDep, tenant: CurrentTenant, _: CanManage, page: PageDep
) -> ListingResponse:
    return ListingResponse(service.tenant_keys_listing(session, tenant, page=page))


@api.post("/keys", status_code=status.HTTP_201_CREATED, responses=SAVING)
def create_key(
    session: SessionDep, tenant: CurrentTenant, principal: CanManage, body: TenantApiKeyCreate
) -> TenantApiKeyPublic:
    """Store a key of the tenant's own (checked with the provider when `validate_key`)."""
    row = service.create_tenant_key(session, tenant, data=body, created_by=principal.user_id)
    return TenantApiKeyPublic.model_validate(row)


@api.get("/keys/{key_id}", responses=NOT_FOUND)
def get_key(
    session: SessionDep, tenant: CurrentTenant, _: CanManage, key_id: uuid.UUID
) -> TenantApiKeyPublic:
    return TenantApiKeyPublic.model_validate(service.get_tenant_key(session, tenant, key_id))


@api.patch("/keys/{key_id}", responses=NOT_FOUND | SAVING)
def update_key(
    session: SessionDep,
    tenant: CurrentTenant,
    _: CanManage,
    key_id: uuid.UUID,
    body: TenantApiKeyUpdate,
) -> TenantApiKeyPublic:
    row = service.update_tenant_key(session, tenant, key_id, data=body)
    return TenantApiKeyPublic.model_validate(row)


@api.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_key(session: SessionDep, tenant: CurrentTenant, _: CanManage, key_id: uuid.UUID) -> None:
    service.delete_tenant_key(session, tenant, key_id)


# -- platform ----------------------------------------------------------------------------------


@admin.get("/keys", response_model=AdminApiKeysPublic)
def list_platform_keys(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, page: PageDep
) -> ListingResponse:
    return ListingResponse(service.admin_keys_listing(session, platform_id, page=page))


@admin.post("/keys", status_code=status.HTTP_201_CREATED, responses=SAVING)
def create_platform_key(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, body: AdminApiKeyCreate
) -> AdminApiKeyPublic:
    """A platform key, used for tenants without their own when `allow_tenants`."""
    return AdminApiKeyPublic.model_validate(
        service.create_admin_key(session, platform_id, data=body)
    )


@admin.patch("/keys/{key_id}", responses=NOT_FOUND | SAVING)
def update_platform_key(
    session: SessionDep, _: PlatformAdmin, key_id: uuid.UUID, body: AdminApiKeyUpdate
) -> AdminApiKeyPublic:
    return AdminApiKeyPublic.model_validate(service.update_admin_key(session, key_id, data=body))


@admin.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_platform_key(session: SessionDep, _: PlatformAdmin, key_id: uuid.UUID) -> None:
    service.delete_admin_key(session, key_id)


@admin.get("/tenant-keys", response_model=AdminTenantApiKeysPublic)
def list_tenants_keys(
    session: SessionDep,
    _: PlatformAdmin,
    page: PageDep,
    tenant_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ListingResponse:
    """Every tenant's keys, masked."""
    return ListingResponse(service.all_tenant_keys_listing(session, page=page, tenant_id=tenant_id))
