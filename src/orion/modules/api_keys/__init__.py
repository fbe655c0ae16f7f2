"""api_keys: the keys of AI providers (OpenAI, Anthropic, any OpenAI-compatible server)
that calls are made with — a tenant's own (bring your own key) and the platform's, used for
tenants without one when the platform allows it. Stored encrypted (rotatable), answered
masked, their use tracked.

Other modules ask `orion.modules.api_keys.service.resolve_key(session, tenant, provider)`.
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Permission, Tier

definition = ModuleDefinition(
    code="api_keys",
    name="Provider keys",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="AI provider keys: the tenant's own and the platform's, encrypted, masked",
    requires=("tenancy",),
    models="orion.modules.api_keys.models",
    routers={
        "api": "orion.modules.api_keys.routes:api",
        "admin": "orion.modules.api_keys.routes:admin",
        "console": "orion.modules.api_keys.console:pages",
        "console_admin": "orion.modules.api_keys.console:admin_pages",
    },
    menu=(
        MenuItem(
            section="tenant",
            label="Provider keys",
            path="/console/api_keys/",
            permission="api_keys.manage",
            order=70,
        ),
        MenuItem(
            section="platform", label="Provider keys", path="/console/platform/api_keys/", order=50
        ),
    ),
    permissions=(
        Permission("api_keys.manage", "Store, change and remove the tenant's provider keys"),
    ),
    handlers={"tenancy.tenant_deleted": "orion.modules.api_keys.service:on_tenant_deleted"},
    provides={"secret_rotation": "orion.modules.api_keys.service:rotate_secrets"},
)
