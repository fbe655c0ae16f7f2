"""What the catalog's services share: the store a call works on, the derived text columns
of a product, the checks against the store and the platform, and the public form of rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.db import serialise
from orion.kernel.data.languages import first_text, without_empty
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError, StoreNotFound
from orion.kernel.runtime import runtime_of
from orion.modules.catalog.exceptions import CatalogInvalid, SkuTaken, invalid
from orion.modules.catalog.models import Product, ProductVariant
from orion.modules.catalog.repository import (
    CategoryRepository,
    ProductCategoryRepository,
    ProductRepository,
    VariantRepository,
)
from orion.modules.catalog.schemas import ItemPublic, StockState, VariantPublic
from orion.modules.tenancy import services as tenancy

INVENTORY = "inventory"


def store_of(session: Session, tenant: TenantContext, store_id: uuid.UUID) -> StoreInfo:
    """The tenant's store (404 `store_not_found` for an unknown one or another tenant's)."""
    store = tenancy.stores.store(session, tenant, store_id)
    if store is None:
        raise StoreNotFound(f"store {store_id} does not exist")
    return store


display_title = first_text  # the English title, else the French, else the German
clean = without_empty  # per-language texts without the empty ones, in en, fr, de order


def derive_texts(product: Product) -> None:
    """Set the columns derived from the titles: the display title, its sort key and the text
    searched (every title, case-folded in Python so that both databases compare alike)."""
    product.title = display_title(product.titles)
    product.sort_title = product.title.casefold()[:300]
    product.search_text = " ".join(product.titles.values()).casefold()


def check_currency(store: StoreInfo, currency: str | None) -> None:
    if currency is not None and currency != store.currency:
        raise invalid(
            "currency", f"the store sells in {store.currency}; prices cannot be in {currency}"
        )


def stock_managed_elsewhere(session: Session, tenant: TenantContext) -> bool:
    """Whether the inventory module keeps the tenant's stock (then it sets the quantities)."""
    runtime = runtime_of(session)
    if INVENTORY not in runtime.registry or tenant.platform_id is None:
        return False
    return runtime.modules.is_enabled(
        session, INVENTORY, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
    )


def check_quantity(session: Session, tenant: TenantContext, field: str, value: Any) -> None:
    if value is not None and stock_managed_elsewhere(session, tenant):
        raise invalid(field, "the inventory module keeps this stock; receive or adjust it there")


def lock_skus(session: Session, store_id: uuid.UUID) -> None:
    """SKUs are unique in a store across two tables: writers of SKUs take turns per store."""
    serialise(session, "catalog.skus", store_id)


def check_skus(
    session: Session,
    store_id: uuid.UUID,
    wanted: Sequence[tuple[str, str]],
    *,
    product_id: uuid.UUID | None = None,
    variant_id: uuid.UUID | None = None,
) -> None:
    """409 `sku_taken` naming the field when one of `wanted` ((field, sku) pairs) is used by
    another product or variant of the store, or twice among them. Call under `lock_skus`."""
    products = ProductRepository(session)
    seen: set[str] = set()
    for field, sku in wanted:
        if sku in seen or products.sku_taken(
            store_id, sku, product_id=product_id, variant_id=variant_id
        ):
            raise SkuTaken(sku, field=field)
        seen.add(sku)


def check_categories(
    session: Session, store_id: uuid.UUID, category_ids: Iterable[uuid.UUID]
) -> list[uuid.UUID]:
    """The ids, once each; 422 naming `category_ids` when one is not a category of the store."""
    wanted = list(dict.fromkeys(category_ids))
    if not wanted:
        return []
    known = CategoryRepository(session).parents(store_id)
    unknown = [str(c) for c in wanted if c not in known]
    if unknown:
        raise CatalogInvalid(
            "category_ids: not categories of this store: " + ", ".join(unknown),
            errors=[FieldError("category_ids", "unknown categories: " + ", ".join(unknown))],
        )
    return wanted


def stock_state(available: int | None, threshold: int) -> StockState:
    if available is None:
        return StockState.untracked
    if available <= 0:
        return StockState.out_of_stock
    if available <= threshold:
        return StockState.low
    return StockState.in_stock


def fill_items(session: Session, rows: list[dict[str, Any]]) -> None:
    """What a page of product rows lacks: stock state, categories and variants (two queries
    for the page)."""
    ids = [row["id"] for row in rows]
    categories = ProductCategoryRepository(session).of(ids)
    variants: dict[uuid.UUID, list[VariantPublic]] = {pid: [] for pid in ids}
    for variant in VariantRepository(session).of(ids):
        variants[variant.product_id].append(VariantPublic.model_validate(variant))
    for row in rows:
        row["stock_state"] = stock_state(row["available_quantity"], row["low_stock_threshold"])
        row["category_ids"] = categories[row["id"]]
        row["variants"] = variants[row["id"]]


ITEM_COLUMNS = {"stock_state": None, "category_ids": None, "variants": None}


def item_public(session: Session, tenant: TenantContext, product: Product) -> ItemPublic:
    """The product as the API answers it (its variants and categories read for it)."""
    row = {
        name: getattr(product, name) for name in ItemPublic.model_fields if name not in ITEM_COLUMNS
    }
    with acting_for(session, tenant):
        fill_items(session, [row])
    return ItemPublic.model_validate(row)


def variant_rows(session: Session, product_id: uuid.UUID) -> list[ProductVariant]:
    return VariantRepository(session).of([product_id])
