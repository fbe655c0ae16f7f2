"""Platforms, tenants, stores, memberships and invitations; the kernel's tenant directory and
membership resolver. Tenancy's public surface, with `schemas` and `events`.

Functions take the session first, then the tenant they act for, then keyword-only options;
they flush, never commit. Work on a tenant's rows runs in `acting_for(session, tenant)`:
the kernel filters every query to it, stamps new rows with it and, on PostgreSQL,
row-level security holds the same line. Nothing here reads across tenants except the
directory, the operators' overviews and accepting an invitation (`repository`).
"""

from orion.modules.tenancy.services.common import TENANT_ADMIN
from orion.modules.tenancy.services.demo import (
    DEMO_OPERATOR,
    DEMO_PASSWORD,
    DEMO_TENANTS,
    demo_tenants,
    seed_demo,
)
from orion.modules.tenancy.services.directory import (
    MembershipResolver,
    TenantDirectory,
    directory,
    memberships,
)
from orion.modules.tenancy.services.invitations import (
    accept_invitation,
    create_invitation,
    get_invitation,
    invitation_created,
    list_invitations,
    revoke_invitation,
)
from orion.modules.tenancy.services.members import (
    add_member,
    add_member_by_email,
    admin_addresses,
    get_member,
    list_members,
    list_roles,
    member_public,
    remove_member,
    role_permissions,
    update_member,
)
from orion.modules.tenancy.services.platforms import (
    DEFAULT_PLATFORM_CODE,
    DEFAULT_PLATFORM_NAME,
    create_platform,
    delete_platform,
    ensure_default_platform,
    get_platform,
    list_platforms,
    platform_by_code,
    update_platform,
)
from orion.modules.tenancy.services.stores import (
    create_store,
    delete_store,
    get_store,
    list_all_stores,
    list_stores,
    update_store,
)
from orion.modules.tenancy.services.tenants import (
    create_tenant,
    delete_tenant,
    find_tenant,
    get_tenant_record,
    list_tenants,
    my_tenants,
    slugify,
    tenant_context,
    tenant_overviews,
    update_tenant,
    with_balance,
)

__all__ = [
    "DEFAULT_PLATFORM_CODE",
    "DEFAULT_PLATFORM_NAME",
    "DEMO_OPERATOR",
    "DEMO_PASSWORD",
    "DEMO_TENANTS",
    "TENANT_ADMIN",
    "MembershipResolver",
    "TenantDirectory",
    "accept_invitation",
    "add_member",
    "add_member_by_email",
    "admin_addresses",
    "create_invitation",
    "create_platform",
    "create_store",
    "create_tenant",
    "delete_platform",
    "delete_store",
    "delete_tenant",
    "demo_tenants",
    "directory",
    "ensure_default_platform",
    "find_tenant",
    "get_invitation",
    "get_member",
    "get_platform",
    "get_store",
    "get_tenant_record",
    "invitation_created",
    "list_all_stores",
    "list_invitations",
    "list_members",
    "list_platforms",
    "list_roles",
    "list_stores",
    "list_tenants",
    "member_public",
    "memberships",
    "my_tenants",
    "platform_by_code",
    "remove_member",
    "revoke_invitation",
    "role_permissions",
    "seed_demo",
    "slugify",
    "tenant_context",
    "tenant_overviews",
    "update_member",
    "update_platform",
    "update_store",
    "update_tenant",
    "with_balance",
]
