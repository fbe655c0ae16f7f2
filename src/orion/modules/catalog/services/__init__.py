"""Catalog business logic: products and variants, categories, VAT rates, lists, bulk
actions. Catalog's public surface, with `schemas` and `events`.

Other modules call (each acting for the tenant it is given):

    find_sellable(session, tenant, *, store_id, skus) -> dict[str, SellableItem]
    get_product(session, tenant, store_id, product_id) -> Product     # 404 product_not_found
    record_stock(session, tenant, *, store_id, product_id, variant_id, available) -> None
    product_labels(session, tenant, *, store_id, product_ids) -> dict[UUID, ProductLabel]
    upsert_items(session, tenant, *, store_id, items) -> UpsertResult   # imports, by SKU

Functions take the session first, then the tenant they act for, then keyword-only options;
they flush, never commit.
"""

from orion.modules.catalog.services.bulk import (
    UpsertItem,
    UpsertResult,
    UpsertVariant,
    adjusted,
    bulk_action,
    upsert_items,
)
from orion.modules.catalog.services.categories import (
    category_tree,
    create_category,
    delete_category,
    get_category,
    list_categories,
    update_category,
)
from orion.modules.catalog.services.common import item_public, stock_managed_elsewhere
from orion.modules.catalog.services.demo import seed_demo
from orion.modules.catalog.services.listing import items_listing, items_page
from orion.modules.catalog.services.products import (
    add_variant,
    count_products,
    create_product,
    delete_product,
    delete_variant,
    get_product,
    list_variants,
    set_images,
    update_product,
    update_variant,
)
from orion.modules.catalog.services.sales import find_sellable, product_labels, record_stock
from orion.modules.catalog.services.storefront import shop_item_detail, shop_items
from orion.modules.catalog.services.vat import set_vat_rates, tenant_vat_rates, vat_rates

__all__ = [
    "UpsertItem",
    "UpsertResult",
    "UpsertVariant",
    "add_variant",
    "adjusted",
    "bulk_action",
    "category_tree",
    "count_products",
    "create_category",
    "create_product",
    "delete_category",
    "delete_product",
    "delete_variant",
    "find_sellable",
    "get_category",
    "get_product",
    "item_public",
    "items_listing",
    "items_page",
    "list_categories",
    "list_variants",
    "product_labels",
    "record_stock",
    "seed_demo",
    "set_images",
    "set_vat_rates",
    "shop_item_detail",
    "shop_items",
    "stock_managed_elsewhere",
    "tenant_vat_rates",
    "update_category",
    "update_product",
    "update_variant",
    "upsert_items",
    "vat_rates",
]
