"""Product lists: search (PostgreSQL full text over the titles where available, a
case-insensitive match on SQLite; SKUs and GTINs of products and variants), filters,
order, and keyset pages (the API) or offset pages with a count (the console)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Keyset, Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.catalog.models import Product, ProductCategory, ProductVariant
from orion.modules.catalog.repository import CategoryRepository, ProductRepository
from orion.modules.catalog.schemas import (
    ItemQuery,
    ItemsPagePublic,
    ItemsPublic,
    StockState,
)
from orion.modules.catalog.services.common import ITEM_COLUMNS, fill_items

SORT_COLUMNS = {
    "title": Product.sort_title,
    "price": Product.price,
    "created_at": Product.created_at,
    "sku": Product.sku,
}
_WORD = re.compile(r"\w+", re.UNICODE)


def descendants(session: Session, store_id: uuid.UUID, category_id: uuid.UUID) -> set[uuid.UUID]:
    """The category and every category under it."""
    parents = CategoryRepository(session).parents(store_id)
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


def _search(session: Session, term: str) -> Any:
    """Title words (in any language), or a SKU's beginning, or a whole GTIN."""
    lowered = term.casefold()
    codes = or_(
        func.lower(Product.sku).startswith(lowered, autoescape=True),
        Product.gtin == term,
        exists().where(
            ProductVariant.product_id == Product.id,
            or_(
                func.lower(ProductVariant.sku).startswith(lowered, autoescape=True),
                ProductVariant.gtin == term,
            ),
        ),
    )
    if session.get_bind().dialect.name == "postgresql":
        words = _WORD.findall(lowered)
        if not words:
            return codes
        query = " & ".join(f"{word}:*" for word in words)
        titles = func.to_tsvector("simple", Product.search_text).op("@@")(
            func.to_tsquery("simple", query)
        )
    else:
        titles = and_(
            *(Product.search_text.contains(word, autoescape=True) for word in lowered.split())
        )
    return or_(titles, codes)


def _stock(state: StockState) -> Any:
    quantity = Product.available_quantity
    if state == StockState.untracked:
        return quantity.is_(None)
    if state == StockState.out_of_stock:
        return quantity <= 0
    if state == StockState.low:
        return and_(quantity > 0, quantity <= Product.low_stock_threshold)
    return quantity > Product.low_stock_threshold


def items_query(session: Session, store_id: uuid.UUID, filters: ItemQuery) -> Select[Any]:
    """The store's products the filters keep (the tenant's, through the kernel)."""
    query = ProductRepository(session).in_store(store_id)
    if filters.q:
        query = query.where(_search(session, filters.q))
    if filters.status is not None:
        query = query.where(Product.status == filters.status.value)
    if filters.category_id is not None:
        wanted = (
            descendants(session, store_id, filters.category_id)
            if filters.subcategories
            else {filters.category_id}
        )
        query = query.where(
            exists().where(
                ProductCategory.product_id == Product.id, ProductCategory.category_id.in_(wanted)
            )
        )
    if filters.min_price is not None:
        query = query.where(Product.price >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(Product.price <= filters.max_price)
    if filters.stock is not None:
        query = query.where(_stock(filters.stock))
    return query


def items_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    filters: ItemQuery | None = None,
    page: Keyset | None = None,
) -> ItemsPublic:
    """One keyset page (the API's list): rows, their variants and categories, the next
    page's cursor. A cursor belongs to its order: another `sort` refuses it (422 `after`)."""
    filters = filters or ItemQuery()
    with acting_for(session, tenant):
        repository = ProductRepository(session)
        return repository.keyset_listing(
            ItemsPublic,
            items_query(session, store_id, filters),
            page or Keyset(),
            order_by=SORT_COLUMNS[filters.sort],
            descending=filters.order == "desc",
            columns=ITEM_COLUMNS,
            derive=lambda rows: fill_items(session, rows),
        )


def items_page(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    filters: ItemQuery | None = None,
    page: Page | None = None,
) -> ItemsPagePublic:
    """One offset page with the count (the console's table)."""
    filters = filters or ItemQuery()
    column = SORT_COLUMNS[filters.sort]
    with acting_for(session, tenant):
        return ProductRepository(session).listing(
            ItemsPagePublic,
            items_query(session, store_id, filters),
            page,
            column.desc() if filters.order == "desc" else column,
            columns=ITEM_COLUMNS,
            derive=lambda rows: fill_items(session, rows),
        )
