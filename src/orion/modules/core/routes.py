"""Core routes: a tenant's modules (`api`: its members, and operators acting for it under
/api/v1/admin/core/tenants/{tenant_id}); the caller's menu; platform settings, module
switches and the health history for operators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.web.dependencies import (
    CurrentPrincipal,
    CurrentTenant,
    PageDep,
    PlatformAdmin,
    PlatformId,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.core import service
from orion.modules.core.schemas import (
    HealthSnapshotsPublic,
    MenuPublic,
    ModuleChange,
    ModuleChangePublic,
    ModulesPublic,
    PlatformSettingPublic,
    PlatformSettingsPublic,
    PlatformSettingUpdate,
)

api = APIRouter()  # the caller's tenant
user = APIRouter()  # any signed-in caller
admin = APIRouter()  # platform operators

NOT_FOUND = problem_responses(404)
REFUSED = problem_responses(404, 409)
SettingKey = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[a-z0-9_.\-]+$")]


@api.get("/modules", response_model=ModulesPublic)
def my_modules(session: SessionDep, tenant: CurrentTenant) -> ListingResponse:
    """Every installed module and whether it is enabled for the tenant."""
    assert tenant.platform_id is not None
    modules = service.list_modules(
        session, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
    )
    return ListingResponse(ModulesPublic.of(modules, len(modules)))


@user.get("/menu", response_model=MenuPublic)
def my_menu(session: SessionDep, principal: CurrentPrincipal) -> ListingResponse:
    """The console menu for the caller: enabled modules only, filtered by permission."""
    items = service.menu_for(session, principal)
    return ListingResponse(MenuPublic.of(items, len(items)))


@admin.get("/settings", response_model=PlatformSettingsPublic)
def list_settings(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, page: PageDep
) -> ListingResponse:
    return ListingResponse(service.settings_listing(session, platform_id, page=page))


@admin.get("/settings/{key}", response_model=PlatformSettingPublic, responses=NOT_FOUND)
def get_setting(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, key: SettingKey
) -> PlatformSettingPublic:
    return PlatformSettingPublic.model_validate(service.get_setting(session, platform_id, key))


@admin.put("/settings/{key}", response_model=PlatformSettingPublic)
def put_setting(
    session: SessionDep,
    _: PlatformAdmin,
    platform_id: PlatformId,
    key: SettingKey,
    body: PlatformSettingUpdate,
) -> PlatformSettingPublic:
    setting = service.set_setting(session, platform_id, key, body.value)
    return PlatformSettingPublic.model_validate(setting)


@admin.delete("/settings/{key}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_setting(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, key: SettingKey
) -> None:
    service.delete_setting(session, platform_id, key)


@admin.get("/modules", response_model=ModulesPublic)
def list_modules(
    session: SessionDep,
    _: PlatformAdmin,
    platform_id: PlatformId,
    tenant_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ListingResponse:
    modules = service.list_modules(session, platform_id=platform_id, tenant_id=tenant_id)
    return ListingResponse(ModulesPublic.of(modules, len(modules)))


ModuleCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


@admin.post("/modules/{code}/enable", response_model=ModuleChangePublic, responses=REFUSED)
def enable_module(
    session: SessionDep,
    _: PlatformAdmin,
    platform_id: PlatformId,
    code: ModuleCode,
    body: ModuleChange | None = None,
) -> ModuleChangePublic:
    body = body or ModuleChange()
    scope = ModuleScope(platform_id=platform_id, tenant_id=body.tenant_id)
    return service.change_module(
        session, code, enable=True, scope=scope, with_requirements=body.with_requirements
    )


@admin.post("/modules/{code}/disable", response_model=ModuleChangePublic, responses=REFUSED)
def disable_module(
    session: SessionDep,
    _: PlatformAdmin,
    platform_id: PlatformId,
    code: ModuleCode,
    body: ModuleChange | None = None,
) -> ModuleChangePublic:
    body = body or ModuleChange()
    scope = ModuleScope(platform_id=platform_id, tenant_id=body.tenant_id)
    return service.change_module(session, code, enable=False, scope=scope)


@admin.get("/health", response_model=HealthSnapshotsPublic)
def health_history(
    session: SessionDep,
    _: PlatformAdmin,
    page: PageDep,
    check: Annotated[str | None, Query(max_length=128)] = None,
) -> ListingResponse:
    return ListingResponse(service.health_history_listing(session, page=page, check=check))
