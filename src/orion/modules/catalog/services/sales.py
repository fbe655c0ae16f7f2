"""What the other commerce modules ask of the catalog on their hot paths: what a SKU sells
(orders), the stock a level change leaves (inventory), how to name products (lists)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.catalog.exceptions import ProductNotFound, VariantNotFound
from orion.modules.catalog.models import Product, ProductVariant
from orion.modules.catalog.schemas import ProductLabel, ProductStatus, SellableItem


def _with_options(text: str, options: dict[str, str]) -> str:
    return f"{text} ({', '.join(options.values())})" if options else text


def find_sellable(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, skus: Collection[str]
) -> dict[str, SellableItem]:
    """What each SKU sells in the store, in one SELECT (products left-joined with their
    variants). Only active products: a product with variants is sold by its variants'
    SKUs, one without by its own. Unknown and unsellable SKUs are absent."""
    wanted = list(dict.fromkeys(skus))
    if not wanted:
        return {}
    with acting_for(session, tenant):
        rows = session.execute(
            select(
                Product.id,
                Product.sku,
                Product.title,
                Product.titles,
                Product.price,
                Product.currency,
                Product.vat_rate,
                Product.available_quantity,
                ProductVariant.id.label("variant_id"),
                ProductVariant.sku.label("variant_sku"),
                ProductVariant.price.label("variant_price"),
                ProductVariant.options,
                ProductVariant.available_quantity.label("variant_available"),
            )
            .outerjoin(ProductVariant, ProductVariant.product_id == Product.id)
            .where(
                Product.store_id == store_id,
                Product.status == ProductStatus.active.value,
                or_(
                    ProductVariant.sku.in_(wanted),
                    and_(ProductVariant.id.is_(None), Product.sku.in_(wanted)),
                ),
            )
        ).all()
    found: dict[str, SellableItem] = {}
    for row in rows:
        if row.variant_sku in wanted:
            options = row.options or {}
            found[row.variant_sku] = SellableItem(
                product_id=row.id,
                variant_id=row.variant_id,
                sku=row.variant_sku,
                title=_with_options(row.title, options),
                titles={k: _with_options(v, options) for k, v in row.titles.items()},
                unit_price=row.price if row.variant_price is None else row.variant_price,
                currency=row.currency,
                vat_rate=row.vat_rate,
                available_quantity=row.variant_available,
            )
        elif row.variant_id is None and row.sku in wanted:
            found[row.sku] = SellableItem(
                product_id=row.id,
                variant_id=None,
                sku=row.sku,
                title=row.title,
                titles=dict(row.titles),
                unit_price=row.price,
                currency=row.currency,
                vat_rate=row.vat_rate,
                available_quantity=row.available_quantity,
            )
    return found


def record_stock(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    variant_id: uuid.UUID | None,
    available: int | None,
) -> None:
    """Inventory reports what is available of a product (or one of its variants) after a
    change of its levels. A product without variants: one UPDATE; a variant: its UPDATE,
    then one UPDATE of its product to the sum over its variants (None if none is tracked).
    404 for a product (variant) the store does not have."""
    with acting_for(session, tenant):
        if variant_id is None:
            done = session.execute(
                update(Product)
                .where(Product.id == product_id, Product.store_id == store_id)
                .values(available_quantity=available)
                .execution_options(synchronize_session="fetch")
            )
            if done.rowcount == 0:
                raise ProductNotFound(f"product {product_id} does not exist")
            return
        done = session.execute(
            update(ProductVariant)
            .where(
                ProductVariant.id == variant_id,
                ProductVariant.product_id == product_id,
                ProductVariant.store_id == store_id,
            )
            .values(available_quantity=available)
            .execution_options(synchronize_session="fetch")
        )
        if done.rowcount == 0:
            raise VariantNotFound(f"variant {variant_id} of product {product_id} does not exist")
        total = (
            select(func.sum(ProductVariant.available_quantity))
            .where(ProductVariant.product_id == product_id)
            .scalar_subquery()
        )
        session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(available_quantity=total)
            .execution_options(synchronize_session="fetch")
        )


def product_labels(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_ids: Collection[uuid.UUID],
) -> dict[uuid.UUID, ProductLabel]:
    """SKU and title of each product named (keyed by product id) and of each of their
    variants (keyed by the variant's id, with its options in the title), in one SELECT.
    Products the store does not have are absent."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    with acting_for(session, tenant):
        rows = session.execute(
            select(
                Product.id,
                Product.sku,
                Product.title,
                ProductVariant.id.label("variant_id"),
                ProductVariant.sku.label("variant_sku"),
                ProductVariant.options,
                ProductVariant.available_quantity.label("variant_available"),
            )
            .outerjoin(ProductVariant, ProductVariant.product_id == Product.id)
            .where(Product.store_id == store_id, Product.id.in_(ids))
        ).all()
    labels: dict[uuid.UUID, ProductLabel] = {}
    for row in rows:
        labels.setdefault(
            row.id, ProductLabel(product_id=row.id, variant_id=None, sku=row.sku, title=row.title)
        )
        if row.variant_id is not None:
            labels[row.variant_id] = ProductLabel(
                product_id=row.id,
                variant_id=row.variant_id,
                sku=row.variant_sku,
                title=_with_options(row.title, row.options or {}),
            )
    return labels
