"""catalog: a store's products ("items" in the API), their variants, categories and the
platform's VAT rates; search, filters, keyset pages and bulk actions.

Other modules read it through `orion.modules.catalog.services` (`find_sellable`,
`get_product`, `record_stock`, `product_labels`), `schemas` and `events`.
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Permission, Tier

definition = ModuleDefinition(
    code="catalog",
    name="Catalog",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="Products per store: variants, categories, VAT rates, search, bulk actions",
    requires=("tenancy",),
    models="orion.modules.catalog.models",
    routers={
        "api": "orion.modules.catalog.routes:api",
        "admin": "orion.modules.catalog.routes:admin",
        "public": "orion.modules.catalog.routes:public",
        "console": "orion.modules.catalog.console:pages",
    },
    permissions=(
        Permission(
            "catalog.read", "See the products and categories", roles=("tenant_admin", "staff")
        ),
        Permission(
            "catalog.manage",
            "Create, change and delete products and categories",
            roles=("tenant_admin",),
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="Products",
            path="/console/catalog/",
            permission="catalog.read",
            order=20,
        ),
    ),
    on_install="orion.modules.catalog.services:seed_demo",
    provides={"dashboard_cards": "orion.modules.catalog.services.dashboard:dashboard_cards"},
)
