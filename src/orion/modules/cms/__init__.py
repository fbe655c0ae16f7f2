"""cms: a store's content pages (title and Markdown body per language, SEO texts, drafts
and published versions with their revisions) and navigation menus, served to the
storefront as HTML documents or JSON, and edited in the console with a preview.

Other modules read it through `orion.modules.cms.services` (`storefront_page`,
`storefront_pages`, `storefront_menu`, `render`), `schemas` and `events`.
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Permission, Tier

definition = ModuleDefinition(
    code="cms",
    name="Content",
    version="1.0.0",
    tier=Tier.CORE,
    description="Content pages and menus per store, served to the storefront",
    requires=("tenancy",),
    models="orion.modules.cms.models",
    routers={
        "api": "orion.modules.cms.routes:api",
        "public": "orion.modules.cms.routes:public",
        "console": "orion.modules.cms.console:pages",
    },
    permissions=(
        Permission("cms.read", "See the content pages and menus", roles=("tenant_admin", "staff")),
        Permission(
            "cms.manage",
            "Write, publish and delete content pages; change the menus",
            roles=("tenant_admin",),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant", label="Content", path="/console/cms/", permission="cms.read", order=38
        ),
    ),
    on_install="orion.modules.cms.services:seed_demo",
)
