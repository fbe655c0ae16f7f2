"""tenancy: platforms, tenants (merchants), stores, memberships and roles, invitations.

Provides the kernel's `tenant_directory` (who the tenants are) and `memberships` (a user's
role and permissions in a tenant).
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Permission, Tier
from orion.modules.tenancy.settings import TenancySettings

definition = ModuleDefinition(
    code="tenancy",
    name="Tenancy",
    version="1.0.0",
    tier=Tier.CORE,
    description="Platforms, tenants, stores, memberships and roles, invitations",
    requires=("core", "auth"),
    models="orion.modules.tenancy.models",
    routers={
        "api": "orion.modules.tenancy.routes:api",
        "user": "orion.modules.tenancy.routes:user",
        "admin": "orion.modules.tenancy.routes:admin",
        "public": "orion.modules.tenancy.routes:public",
        "console": "orion.modules.tenancy.console:pages",
        "console_admin": "orion.modules.tenancy.console:admin_pages",
        "console_public": "orion.modules.tenancy.console:public",
    },
    permissions=(
        Permission(
            "tenancy.read",
            "See the tenant, its stores and members",
            roles=("tenant_admin", "staff", "user"),
        ),
        Permission(
            "tenancy.manage",
            "Change the tenant, its stores, members and invitations",
            roles=("tenant_admin",),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Stores",
            path="/console/tenancy/stores",
            permission="tenancy.read",
            order=10,
        ),
        MenuItem(
            section="tenant",
            label="Team",
            path="/console/tenancy/members",
            permission="tenancy.manage",
            order=11,
        ),
        MenuItem(
            section="platform", label="Tenants", path="/console/platform/tenancy/tenants", order=10
        ),
        MenuItem(
            section="platform", label="Stores", path="/console/platform/tenancy/stores", order=12
        ),
        MenuItem(
            section="platform",
            label="Platforms",
            path="/console/platform/tenancy/platforms",
            order=11,
        ),
    ),
    settings=TenancySettings,
    provides={
        "tenant_directory": "orion.modules.tenancy.services:directory",
        "memberships": "orion.modules.tenancy.services:memberships",
        "store_directory": "orion.modules.tenancy.services:stores",
    },
    commands={"tenants": "orion.modules.tenancy.cli:app"},
    on_install="orion.modules.tenancy.services:seed_demo",
)
