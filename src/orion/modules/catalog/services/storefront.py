"""What a store's shoppers see of its catalogue: active products, their variants with
whether they can be bought, and the category tree. Reads only; the storefront routes call
these with the tenant the store belongs to (`kernel.web.storefront`)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.paging import Keyset
from orion.kernel.data.tenancy import TenantContext
from orion.modules.catalog.exceptions import ProductNotFound
from orion.modules.catalog.schemas import (
    ItemPublic,
    ItemQuery,
    ProductStatus,
    ShopItemPublic,
    ShopItemQuery,
    ShopItemsPublic,
    ShopVariantPublic,
)
from orion.modules.catalog.services.common import item_public
from orion.modules.catalog.services.listing import items_listing
from orion.modules.catalog.services.products import get_product


def _available(quantity: int | None) -> bool:
    return quantity is None or quantity > 0  # None: not tracked, always for sale


def shop_item(item: ItemPublic) -> ShopItemPublic:
    variants = [
        ShopVariantPublic(
            id=variant.id,
            sku=variant.sku,
            options=variant.options,
            price=variant.price if variant.price is not None else item.price,
            in_stock=_available(variant.available_quantity),
        )
        for variant in item.variants
    ]
    in_stock = (
        any(variant.in_stock for variant in variants)
        if variants
        else _available(item.available_quantity)
    )
    return ShopItemPublic(
        **item.model_dump(
            include={
                "id", "sku", "gtin", "title", "titles", "descriptions", "price", "currency",
                "vat_rate", "images", "attributes", "category_ids",
            }
        ),
        in_stock=in_stock,
        variants=variants,
    )  # fmt: skip


def shop_items(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    filters: ShopItemQuery,
    page: Keyset | None = None,
) -> ShopItemsPublic:
    """One keyset page of the store's active products."""
    query = ItemQuery(**filters.model_dump(), status=ProductStatus.active)
    listing = items_listing(session, tenant, store_id=store_id, filters=query, page=page)
    return ShopItemsPublic(
        data=[shop_item(item) for item in listing.data], next_cursor=listing.next_cursor
    )


def shop_item_detail(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, item_id: uuid.UUID
) -> ShopItemPublic:
    """An active product of the store; 404 `product_not_found` for a draft or archived one."""
    product = get_product(session, tenant, store_id, item_id)
    if product.status != ProductStatus.active.value:
        raise ProductNotFound(f"product {item_id} does not exist")
    return shop_item(item_public(session, tenant, product))
