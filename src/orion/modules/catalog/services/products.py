"""A store's products: create (within the plan's product limit), read, change, delete
(drafts only), their images and their variants."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import serialise
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.limits import check_limit
from orion.modules.catalog.events import ProductCreated, ProductDeleted, ProductUpdated
from orion.modules.catalog.exceptions import ProductNotDeletable, invalid
from orion.modules.catalog.models import Product, ProductVariant
from orion.modules.catalog.repository import (
    ProductCategoryRepository,
    ProductRepository,
    VariantRepository,
)
from orion.modules.catalog.schemas import (
    ItemCreate,
    ItemUpdate,
    ProductStatus,
    VariantCreate,
    VariantUpdate,
)
from orion.modules.catalog.services.common import (
    check_categories,
    check_currency,
    check_quantity,
    check_skus,
    clean,
    derive_texts,
    lock_skus,
    store_of,
)
from orion.modules.catalog.services.vat import resolve_vat_rate

PRODUCTS_LIMIT = "products"


def get_product(
    session: Session, tenant: TenantContext, store_id: uuid.UUID, product_id: uuid.UUID
) -> Product:
    """The store's product; 404 `product_not_found` for an unknown one, another store's or
    another tenant's."""
    with acting_for(session, tenant):
        return ProductRepository(session).get_in(store_id, product_id)


def count_products(session: Session, tenant: TenantContext) -> int:
    with acting_for(session, tenant):
        return ProductRepository(session).count()


def reserve_product_slots(session: Session, tenant: TenantContext, adding: int = 1) -> None:
    """Refuse (402 `plan_limit_reached`, from the plan's provider) when the tenant's plan
    allows fewer products. Serialised per tenant until the transaction ends, so two
    creations at once cannot both take the last slot."""
    serialise(session, "catalog.products", tenant.tenant_id)
    current = ProductRepository(session).count()
    check_limit(session, tenant, PRODUCTS_LIMIT, current=current, adding=adding)


def create_product(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, data: ItemCreate
) -> Product:
    """A new product with its variants and categories: checked whole before anything is
    written (store's currency, platform's VAT rate, the store's categories, SKUs unique in
    the store, the plan's limit)."""
    with acting_for(session, tenant):
        store = store_of(session, tenant, store_id)
        check_currency(store, data.currency)
        vat_rate = resolve_vat_rate(session, tenant, data.vat_rate)
        category_ids = check_categories(session, store_id, data.category_ids)
        check_quantity(session, tenant, "available_quantity", data.available_quantity)
        for i, variant in enumerate(data.variants):
            check_quantity(
                session, tenant, f"variants[{i}].available_quantity", variant.available_quantity
            )
        reserve_product_slots(session, tenant)
        lock_skus(session, store_id)
        wanted = [("sku", data.sku)] + [
            (f"variants[{i}].sku", v.sku) for i, v in enumerate(data.variants)
        ]
        check_skus(session, store_id, wanted)
        product = Product(
            store_id=store_id,
            sku=data.sku,
            gtin=data.gtin,
            titles=clean(data.titles),
            descriptions=clean(data.descriptions),
            price=data.price,
            currency=store.currency,
            vat_rate=vat_rate,
            status=data.status.value,
            images=list(data.images),
            attributes=dict(data.attributes),
            available_quantity=data.available_quantity,
            low_stock_threshold=data.low_stock_threshold,
        )
        derive_texts(product)
        ProductRepository(session).add(product)
        for position, variant in enumerate(data.variants):
            session.add(_variant(product, variant, position))
        if category_ids:
            ProductCategoryRepository(session).replace(product.id, category_ids)
        session.flush()
        if data.variants:
            _sum_variant_stock(session, product)
        publish(
            session,
            ProductCreated(
                product_id=product.id, store_id=store_id, sku=product.sku, status=product.status
            ),
        )
        return product


def _variant(product: Product, data: VariantCreate, position: int) -> ProductVariant:
    return ProductVariant(
        store_id=product.store_id,
        product_id=product.id,
        sku=data.sku,
        gtin=data.gtin,
        options=dict(data.options),
        price=data.price,
        position=data.position if data.position is not None else position,
        available_quantity=data.available_quantity,
    )


def _sum_variant_stock(session: Session, product: Product) -> None:
    """A product with variants has the stock of its variants (None when none is tracked)."""
    quantities = [
        v.available_quantity
        for v in VariantRepository(session).of([product.id])
        if v.available_quantity is not None
    ]
    product.available_quantity = sum(quantities) if quantities else None
    session.flush()


def update_product(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    data: ItemUpdate,
) -> Product:
    """Change the fields sent; the same checks as creation for each of them."""
    with acting_for(session, tenant):
        products = ProductRepository(session)
        product = products.get_in(store_id, product_id)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        if "currency" in changes:
            check_currency(store_of(session, tenant, store_id), changes.pop("currency"))
        if "vat_rate" in changes:
            changes["vat_rate"] = resolve_vat_rate(session, tenant, changes["vat_rate"])
        if "category_ids" in changes:
            category_ids = check_categories(session, store_id, changes.pop("category_ids"))
            ProductCategoryRepository(session).replace(product.id, category_ids)
            changed = ["category_ids"]
        else:
            changed = []
        if "available_quantity" in changes:
            check_quantity(session, tenant, "available_quantity", changes["available_quantity"])
            if VariantRepository(session).of([product.id]):
                raise invalid(
                    "available_quantity",
                    "the product has variants: its stock is the sum of theirs; set theirs",
                )
        if "sku" in changes and changes["sku"] != product.sku:
            lock_skus(session, store_id)
            check_skus(session, store_id, [("sku", changes["sku"])], product_id=product.id)
        for field in ("titles", "descriptions"):
            if field in changes:
                changes[field] = clean(changes[field])
        for field, value in changes.items():
            if getattr(product, field) != value:
                setattr(product, field, value)
                changed.append(field)
        if "titles" in changed:
            derive_texts(product)
        session.flush()
        if changed:
            announce_update(session, product, changed)
        return product


def announce_update(session: Session, product: Product, changed: list[str]) -> None:
    publish(
        session,
        ProductUpdated(
            product_id=product.id,
            store_id=product.store_id,
            sku=product.sku,
            status=product.status,
            changed=sorted(set(changed)),
        ),
    )


def set_images(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    images: list[str],
) -> Product:
    """The product's images, in the order given (the first is the main image)."""
    return update_product(
        session, tenant, store_id=store_id, product_id=product_id, data=ItemUpdate(images=images)
    )


def delete_product(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, product_id: uuid.UUID
) -> None:
    """Delete a draft (its variants and category links go with it). A product that was
    active or is archived stays, as orders name it: 409, archive it instead."""
    with acting_for(session, tenant):
        products = ProductRepository(session)
        product = products.get_in(store_id, product_id, lock=True)
        if product.status != ProductStatus.draft:
            raise ProductNotDeletable(product.status)
        remove_product(session, product)


def remove_product(session: Session, product: Product) -> None:
    event = ProductDeleted(product_id=product.id, store_id=product.store_id, sku=product.sku)
    for variant in VariantRepository(session).of([product.id]):
        session.delete(variant)
    ProductCategoryRepository(session).replace(product.id, [])
    ProductRepository(session).delete(product)
    publish(session, event)


# -- variants ----------------------------------------------------------------------------------


def add_variant(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    data: VariantCreate,
) -> ProductVariant:
    with acting_for(session, tenant):
        product = ProductRepository(session).get_in(store_id, product_id, lock=True)
        check_quantity(session, tenant, "available_quantity", data.available_quantity)
        lock_skus(session, store_id)
        check_skus(session, store_id, [("sku", data.sku)])
        variants = VariantRepository(session)
        variant = variants.add(_variant(product, data, variants.next_position(product.id)))
        _sum_variant_stock(session, product)
        announce_update(session, product, ["variants"])
        return variant


def update_variant(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    variant_id: uuid.UUID,
    data: VariantUpdate,
) -> ProductVariant:
    with acting_for(session, tenant):
        product = ProductRepository(session).get_in(store_id, product_id, lock=True)
        variant = VariantRepository(session).get_of(product.id, variant_id)
        changes = data.model_dump(exclude_unset=True)
        if "available_quantity" in changes:
            check_quantity(session, tenant, "available_quantity", changes["available_quantity"])
        if "sku" in changes and changes["sku"] != variant.sku:
            lock_skus(session, store_id)
            check_skus(session, store_id, [("sku", changes["sku"])], variant_id=variant.id)
        for field, value in changes.items():
            setattr(variant, field, value)
        session.flush()
        if "available_quantity" in changes:
            _sum_variant_stock(session, product)
        announce_update(session, product, ["variants"])
        return variant


def delete_variant(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    variant_id: uuid.UUID,
) -> None:
    with acting_for(session, tenant):
        product = ProductRepository(session).get_in(store_id, product_id, lock=True)
        variants = VariantRepository(session)
        variants.delete(variants.get_of(product.id, variant_id))
        _sum_variant_stock(session, product)
        announce_update(session, product, ["variants"])


def list_variants(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, product_id: uuid.UUID
) -> list[ProductVariant]:
    with acting_for(session, tenant):
        product = ProductRepository(session).get_in(store_id, product_id)
        return VariantRepository(session).of([product.id])
