"""Tenancy routes.

* `api`: the tenant a route acts for (`CurrentTenant`), mounted twice: /api/v1/tenancy for
  the tenant's members and /api/v1/admin/tenancy/tenants/{tenant_id} for platform
  operators acting for that tenant. The tenant, the roles and what they grant, its stores,
  members and invitations; reads need `tenancy.read` (every role), changes
  `tenancy.manage` (operators hold every permission and see every store).
* `user` (/api/v1/tenancy): the tenants the caller belongs to.
* `admin` (/api/v1/admin/tenancy, operators): platforms, tenants with their members and
  modules, adding an existing user to a tenant, per-tenant module switches.
* `public` (/api/v1/public/tenancy): accepting an invitation.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import NotFound, PermissionDenied
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.web.dependencies import (
    CurrentPrincipal,
    CurrentTenant,
    PageDep,
    PlatformAdmin,
    PlatformId,
    RuntimeDep,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.core import service as core
from orion.modules.core.schemas import ModuleChange, ModuleChangePublic, ModulesPublic
from orion.modules.tenancy import services
from orion.modules.tenancy.dependencies import (
    NamedTenant,
    TenancyManage,
    TenancyRead,
    visible_stores,
)
from orion.modules.tenancy.schemas import (
    InvitationAccept,
    InvitationAccepted,
    InvitationStatus,
    MembershipCreate,
    MembershipPublic,
    MembershipsPublic,
    MembershipUpdate,
    MyTenantsPublic,
    PlatformCreate,
    PlatformPublic,
    PlatformsPublic,
    PlatformUpdate,
    RolesPublic,
    StoreCreate,
    StorePublic,
    StoresPublic,
    StoreUpdate,
    TenantAdminUpdate,
    TenantCreate,
    TenantInvitationCreate,
    TenantInvitationCreated,
    TenantInvitationPublic,
    TenantInvitationsPublic,
    TenantOverviewPublic,
    TenantOverviewsPublic,
    TenantPublic,
    TenantUpdate,
    TenantWithBalancePublic,
)

api = APIRouter()  # the tenant a route acts for: its members, or operators acting for it
user = APIRouter()  # any signed-in caller
admin = APIRouter()  # platform operators
public = APIRouter()  # no authentication

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = problem_responses(404)
CONFLICT: Responses = problem_responses(409)
ModuleCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


# == the tenant a route acts for (/api/v1/tenancy, and operators' /tenants/{tenant_id}) ===========


@api.get("/tenant", response_model=TenantWithBalancePublic)
def my_tenant(session: SessionDep, tenant: CurrentTenant, _: TenancyRead) -> Any:
    record = services.get_tenant_record(session, tenant.tenant_id)
    return services.with_balance(session, record)


@api.patch("/tenant", response_model=TenantWithBalancePublic, responses=CONFLICT)
def update_my_tenant(
    session: SessionDep, tenant: CurrentTenant, _: TenancyManage, body: TenantUpdate
) -> Any:
    record = services.update_tenant(session, tenant.tenant_id, data=body)
    return services.with_balance(session, record)


@api.get("/roles", response_model=RolesPublic)
def list_roles(runtime: RuntimeDep, tenant: CurrentTenant, _: TenancyRead) -> Any:
    """The tenant roles (tenant_admin, staff, user), each with the permissions it grants
    in this deployment (every installed module's permissions that name the role)."""
    roles = services.list_roles(runtime.registry)
    return ListingResponse(RolesPublic.of(roles, len(roles)))


@api.get("/stores", response_model=StoresPublic)
def list_stores(
    session: SessionDep, tenant: CurrentTenant, principal: TenancyRead, page: PageDep
) -> Any:
    return ListingResponse(
        services.stores_listing(session, tenant, visible=visible_stores(principal), page=page)
    )


@api.post(
    "/stores",
    status_code=status.HTTP_201_CREATED,
    response_model=StorePublic,
    # 402: the tenant's plan allows no more stores (when billing is on).
    responses={**CONFLICT, **problem_responses(402)},
)
def create_store(
    session: SessionDep, tenant: CurrentTenant, _: TenancyManage, body: StoreCreate
) -> Any:
    return services.create_store(session, tenant, data=body)


@api.get("/stores/{store_id}", response_model=StorePublic, responses=NOT_FOUND)
def get_store(
    session: SessionDep, tenant: CurrentTenant, principal: TenancyRead, store_id: uuid.UUID
) -> Any:
    return services.get_store(session, tenant, store_id, visible=visible_stores(principal))


@api.patch("/stores/{store_id}", response_model=StorePublic, responses=NOT_FOUND | CONFLICT)
def update_store(
    session: SessionDep,
    tenant: CurrentTenant,
    principal: TenancyManage,
    store_id: uuid.UUID,
    body: StoreUpdate,
) -> Any:
    return services.update_store(
        session, tenant, store_id, data=body, visible=visible_stores(principal)
    )


@api.delete("/stores/{store_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_store(
    session: SessionDep, tenant: CurrentTenant, principal: TenancyManage, store_id: uuid.UUID
) -> None:
    services.delete_store(session, tenant, store_id, visible=visible_stores(principal))


@api.get("/members", response_model=MembershipsPublic)
def list_members(session: SessionDep, tenant: CurrentTenant, _: TenancyRead, page: PageDep) -> Any:
    return ListingResponse(services.members_listing(session, tenant, page=page))


@api.get("/members/{membership_id}", response_model=MembershipPublic, responses=NOT_FOUND)
def get_member(
    session: SessionDep, tenant: CurrentTenant, _: TenancyRead, membership_id: uuid.UUID
) -> Any:
    return services.member_public(session, services.get_member(session, tenant, membership_id))


@api.patch(
    "/members/{membership_id}", response_model=MembershipPublic, responses=NOT_FOUND | CONFLICT
)
def update_member(
    session: SessionDep,
    tenant: CurrentTenant,
    _: TenancyManage,
    membership_id: uuid.UUID,
    body: MembershipUpdate,
) -> Any:
    membership = services.update_member(session, tenant, membership_id, data=body)
    return services.member_public(session, membership)


@api.delete(
    "/members/{membership_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND | CONFLICT,
)
def remove_member(
    session: SessionDep, tenant: CurrentTenant, _: TenancyManage, membership_id: uuid.UUID
) -> None:
    services.remove_member(session, tenant, membership_id)


@api.post(
    "/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=TenantInvitationCreated,
    responses=CONFLICT,
)
def create_invitation(
    session: SessionDep,
    tenant: CurrentTenant,
    principal: TenancyManage,
    body: TenantInvitationCreate,
) -> Any:
    """Invite an email with a role. `accept_token` is shown here once (and mailed)."""
    invitation, token = services.create_invitation(
        session, tenant, data=body, invited_by=principal.user_id
    )
    return services.invitation_created(invitation, token)


@api.get("/invitations", response_model=TenantInvitationsPublic)
def list_invitations(
    session: SessionDep,
    tenant: CurrentTenant,
    _: TenancyManage,
    page: PageDep,
    state: Annotated[InvitationStatus | None, Query(alias="status")] = None,
) -> Any:
    return ListingResponse(services.invitations_listing(session, tenant, status=state, page=page))


@api.get("/invitations/{invitation_id}", response_model=TenantInvitationPublic, responses=NOT_FOUND)
def get_invitation(
    session: SessionDep, tenant: CurrentTenant, _: TenancyManage, invitation_id: uuid.UUID
) -> Any:
    return services.get_invitation(session, tenant, invitation_id)


@api.post(
    "/invitations/{invitation_id}/revoke",
    response_model=TenantInvitationPublic,
    responses=NOT_FOUND | CONFLICT,
)
def revoke_invitation(
    session: SessionDep, tenant: CurrentTenant, _: TenancyManage, invitation_id: uuid.UUID
) -> Any:
    return services.revoke_invitation(session, tenant, invitation_id)


# == any signed-in caller ======================================================================


@user.get("/my-tenants", response_model=MyTenantsPublic)
def my_tenants(session: SessionDep, principal: CurrentPrincipal) -> Any:
    """The tenants the caller belongs to; act for one with the X-Tenant-ID header."""
    if principal.user_id is None:
        raise PermissionDenied("only a signed-in user has tenants")
    rows = services.my_tenants(session, principal.user_id)
    return ListingResponse(MyTenantsPublic.of(rows, len(rows)))


# == public =====================================================================================


@public.post(
    "/invitations/accept",
    response_model=InvitationAccepted,
    responses={
        401: {"description": "The account exists and the password does not match"},
        403: {"description": "The account exists and is deactivated (`account_disabled`)"},
        404: {"description": "Unknown token"},
        409: {"description": "Used already, or already a member"},
        410: {"description": "Expired or revoked"},
    },
)
def accept_invitation(session: SessionDep, body: InvitationAccept) -> Any:
    """Join the inviting tenant: creates the account, or adds the membership to an existing
    one whose password is given."""
    return services.accept_invitation(session, data=body)


# == platform operators ===========================================================================


@admin.get("/platforms", response_model=PlatformsPublic)
def list_platforms(session: SessionDep, _: PlatformAdmin, page: PageDep) -> Any:
    return ListingResponse(services.platforms_listing(session, page=page))


@admin.post(
    "/platforms",
    status_code=status.HTTP_201_CREATED,
    response_model=PlatformPublic,
    responses=CONFLICT,
)
def create_platform(session: SessionDep, _: PlatformAdmin, body: PlatformCreate) -> Any:
    return services.create_platform(session, data=body)


@admin.get("/platforms/{platform_id}", response_model=PlatformPublic, responses=NOT_FOUND)
def get_platform(session: SessionDep, _: PlatformAdmin, platform_id: uuid.UUID) -> Any:
    return services.get_platform(session, platform_id)


@admin.patch("/platforms/{platform_id}", response_model=PlatformPublic, responses=NOT_FOUND)
def update_platform(
    session: SessionDep, _: PlatformAdmin, platform_id: uuid.UUID, body: PlatformUpdate
) -> Any:
    return services.update_platform(session, platform_id, data=body)


@admin.delete(
    "/platforms/{platform_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND | CONFLICT,
)
def delete_platform(session: SessionDep, _: PlatformAdmin, platform_id: uuid.UUID) -> None:
    services.delete_platform(session, platform_id)


@admin.get("/tenants", response_model=TenantOverviewsPublic)
def list_tenants(
    session: SessionDep,
    _: PlatformAdmin,
    page: PageDep,
    platform_id: Annotated[uuid.UUID | None, Query(description="Every platform if omitted")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or slug contains")] = None,
) -> Any:
    """Tenants with their members and enabled modules."""
    return ListingResponse(
        services.tenant_overviews_listing(session, platform_id=platform_id, search=q, page=page)
    )


@admin.post(
    "/tenants",
    status_code=status.HTTP_201_CREATED,
    response_model=TenantPublic,
    responses=NOT_FOUND | CONFLICT,
)
def create_tenant(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, body: TenantCreate
) -> Any:
    return services.create_tenant(session, platform_id, data=body)


@admin.get("/tenants/{tenant_id}", response_model=TenantOverviewPublic, responses=NOT_FOUND)
def get_tenant(session: SessionDep, _: PlatformAdmin, tenant: NamedTenant) -> Any:
    record = services.get_tenant_record(session, tenant.tenant_id)
    return services.tenant_overviews(session, [record])[0]


@admin.patch("/tenants/{tenant_id}", response_model=TenantPublic, responses=NOT_FOUND | CONFLICT)
def update_tenant(
    session: SessionDep, _: PlatformAdmin, tenant: NamedTenant, body: TenantAdminUpdate
) -> Any:
    return services.update_tenant(session, tenant.tenant_id, data=body)


@admin.delete("/tenants/{tenant_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_tenant(session: SessionDep, _: PlatformAdmin, tenant: NamedTenant) -> None:
    services.delete_tenant(session, tenant.tenant_id)


@admin.post(
    "/tenants/{tenant_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MembershipPublic,
    responses=NOT_FOUND | CONFLICT,
)
def add_member(
    session: SessionDep, _: PlatformAdmin, tenant: NamedTenant, body: MembershipCreate
) -> Any:
    """Add an existing user to the tenant (invite people who have no account)."""
    membership = services.add_member_by_email(
        session, tenant, email=str(body.email), role=body.role, store_ids=body.store_ids
    )
    return services.member_public(session, membership)


@admin.get("/tenants/{tenant_id}/modules", response_model=ModulesPublic, responses=NOT_FOUND)
def tenant_modules(session: SessionDep, _: PlatformAdmin, tenant: NamedTenant) -> Any:
    modules = core.list_modules(session, platform_id=_platform(tenant), tenant_id=tenant.tenant_id)
    return ListingResponse(ModulesPublic(data=modules, count=len(modules)))


def _platform(tenant: TenantContext) -> uuid.UUID:
    assert tenant.platform_id is not None
    return tenant.platform_id


@admin.post(
    "/tenants/{tenant_id}/modules/{code}/enable",
    response_model=ModuleChangePublic,
    responses=NOT_FOUND | CONFLICT,
)
def enable_tenant_module(
    session: SessionDep,
    _: PlatformAdmin,
    tenant: NamedTenant,
    code: ModuleCode,
    body: ModuleChange | None = None,
) -> Any:
    """Switch a module on for this tenant (its requirements too, unless told not to)."""
    scope = ModuleScope(_platform(tenant), tenant.tenant_id)
    with_requirements = body.with_requirements if body is not None else True
    return core.change_module(
        session, code, enable=True, scope=scope, with_requirements=with_requirements
    )


@admin.post(
    "/tenants/{tenant_id}/modules/{code}/disable",
    response_model=ModuleChangePublic,
    responses=NOT_FOUND | CONFLICT,
)
def disable_tenant_module(
    session: SessionDep, _: PlatformAdmin, tenant: NamedTenant, code: ModuleCode
) -> Any:
    """Switch a module off for this tenant; refused while an enabled module requires it."""
    scope = ModuleScope(_platform(tenant), tenant.tenant_id)
    return core.change_module(session, code, enable=False, scope=scope)


@admin.delete(
    "/tenants/{tenant_id}/modules/{code}",
    response_model=ModuleChangePublic,
    responses=NOT_FOUND | CONFLICT,
)
def clear_tenant_module(
    session: SessionDep,
    runtime: RuntimeDep,
    _: PlatformAdmin,
    tenant: NamedTenant,
    code: ModuleCode,
) -> Any:
    """Drop the tenant's own switch: it follows its platform again."""
    if code not in runtime.registry:
        raise NotFound(f"module {code} is not installed", module=code)
    scope = ModuleScope(_platform(tenant), tenant.tenant_id)
    changed = runtime.modules.clear_override(session, code, scope=scope)
    enabled = runtime.modules.is_enabled(
        session, code, platform_id=scope.platform_id, tenant_id=tenant.tenant_id
    )
    return ModuleChangePublic(module=code, changed=changed, enabled=enabled)
