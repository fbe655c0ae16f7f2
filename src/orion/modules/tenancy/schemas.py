"""Tenancy DTOs. Seed names kept: Tenant, TenantBase, TenantCreate, TenantUpdate, TenantPublic,
TenantWithBalancePublic, TenantInvitation, TenantInvitationCreate, TenantInvitationPublic."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from orion.kernel.data.money import Currency
from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null
from orion.modules.auth.schemas import EmailAddress

# The tenant roles; platform operators are superadmins (auth) and need no membership.
Role = Literal["tenant_admin", "staff", "user"]
ROLES: tuple[str, ...] = ("tenant_admin", "staff", "user")

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$"
    ),
]
Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
StoreIds = Annotated[list[uuid.UUID], Field(max_length=500)]
# Validated and lower-cased as auth does for accounts (so `.test` demo addresses work too).
Email = Annotated[EmailAddress, WithJsonSchema({"type": "string", "format": "email"})]


# -- roles -------------------------------------------------------------------------------------


class RolePermissionPublic(BaseModel):
    """A permission a role grants, as a module declares it."""

    code: str
    description: str


class RolePublic(BaseModel):
    """A tenant role and every permission it grants (from the installed modules)."""

    role: Role
    permissions: list[RolePermissionPublic]


RolesPublic = Listing[RolePublic]


# -- platforms -------------------------------------------------------------------------------


class PlatformBase(BaseModel):
    name: Name
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Platform-wide options, e.g. registration"
    )


class PlatformCreate(PlatformBase):
    code: Code


class PlatformUpdate(BaseModel):
    name: Name | None = None
    settings: dict[str, Any] | None = None

    _required = not_null("name", "settings")  # may be left out, never null


class PlatformPublic(PlatformBase):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    created_at: datetime
    updated_at: datetime


PlatformsPublic = Listing[PlatformPublic]


# -- tenants -----------------------------------------------------------------------------------


class TenantBase(BaseModel):
    name: Name


class TenantCreate(TenantBase):
    slug: Slug | None = Field(
        default=None, description="Unique within the platform; derived from the name if omitted"
    )
    is_active: bool = True


class TenantUpdate(BaseModel):
    name: Name | None = None
    slug: Slug | None = None

    _required = not_null("name", "slug")  # may be left out, never null


class TenantAdminUpdate(TenantUpdate):
    """What an operator may change besides the tenant's own fields: suspend or resume it."""

    is_active: bool | None = None

    _active_required = not_null("is_active")


class Tenant(TenantBase):
    """A tenant as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform_id: uuid.UUID
    slug: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class TenantPublic(Tenant):
    pass


class TenantWithBalancePublic(TenantPublic):
    balance: int | None = Field(
        default=None, description="Credit balance in minor units once the credits module exists"
    )


TenantsPublic = Listing[TenantPublic]


class TenantMemberSummary(BaseModel):
    user_id: uuid.UUID
    email: str | None
    full_name: str | None
    role: str
    store_ids: list[uuid.UUID] | None


class TenantOverviewPublic(TenantPublic):
    """A tenant for operators: its members and the modules enabled for it."""

    members: list[TenantMemberSummary]
    modules: list[str]


TenantOverviewsPublic = Listing[TenantOverviewPublic]


class MyTenantPublic(BaseModel):
    """One of the caller's tenants and the role held there (pick it with X-Tenant-ID)."""

    tenant_id: uuid.UUID
    platform_id: uuid.UUID
    name: str
    slug: str
    role: str


MyTenantsPublic = Listing[MyTenantPublic]


# -- stores ------------------------------------------------------------------------------------


class StoreBase(BaseModel):
    name: Name
    code: Code
    currency: Currency = Field(
        default="EUR", description="ISO 4217: the store's prices, orders and invoices are in it"
    )
    is_active: bool = True


class StoreCreate(StoreBase):
    pass


class StoreUpdate(BaseModel):
    name: Name | None = None
    code: Code | None = None
    currency: Currency | None = None
    is_active: bool | None = None

    _required = not_null("name", "code", "currency", "is_active")  # may be left out, never null


class StorePublic(StoreBase):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


StoresPublic = Listing[StorePublic]


# -- memberships ---------------------------------------------------------------------------------


class MembershipCreate(BaseModel):
    """An operator adds an existing user to a tenant."""

    email: Email
    role: Role
    store_ids: StoreIds | None = Field(
        default=None, description="Limit the member to these stores; null: every store"
    )


class MembershipUpdate(BaseModel):
    role: Role | None = None
    store_ids: StoreIds | None = Field(
        default=None, description="Limit the member to these stores; null: every store"
    )

    _required = not_null("role")  # may be left out, never null; store_ids null: every store


class MembershipPublic(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    email: str | None
    full_name: str | None
    role: str
    store_ids: list[uuid.UUID] | None
    created_at: datetime


MembershipsPublic = Listing[MembershipPublic]


# -- invitations -----------------------------------------------------------------------------------

InvitationStatus = Literal["pending", "accepted", "revoked", "expired"]


class TenantInvitationCreate(BaseModel):
    email: Email
    role: Role = "user"
    store_ids: StoreIds | None = Field(
        default=None, description="Limit the new member to these stores; null: every store"
    )


class TenantInvitation(BaseModel):
    """An invitation as stored, without its token (only a hash of it is kept)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    role: str
    store_ids: list[uuid.UUID] | None
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    invited_by: uuid.UUID | None
    created_at: datetime


class TenantInvitationPublic(TenantInvitation):
    status: InvitationStatus


class TenantInvitationCreated(TenantInvitationPublic):
    accept_token: str = Field(description="Shown once; the invitee accepts with it")


TenantInvitationsPublic = Listing[TenantInvitationPublic]


class InvitationAccept(BaseModel):
    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=200)]
    full_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        None
    )


class InvitationAccepted(BaseModel):
    tenant_id: uuid.UUID
    tenant_name: str
    user_id: uuid.UUID
    email: str
    role: str
    new_user: bool = Field(description="The account was created by accepting")
