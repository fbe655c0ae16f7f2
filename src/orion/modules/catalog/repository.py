"""Queries on the catalog models. Tenant filtering is the kernel's: every query here reads
the rows of the tenant the session acts for; the store is a filter of ours."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import Select, delete, exists, func, or_, select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.catalog.exceptions import CategoryNotFound, ProductNotFound, VariantNotFound
from orion.modules.catalog.models import (
    Category,
    Product,
    ProductCategory,
    ProductVariant,
    VatRate,
)


class ProductRepository(RepositoryBase[Product]):
    model = Product
    not_found = ProductNotFound
    label = "product"

    def in_store(self, store_id: uuid.UUID) -> Select[tuple[Product]]:
        return self.select().where(Product.store_id == store_id)

    def get_in(self, store_id: uuid.UUID, product_id: uuid.UUID, *, lock: bool = False) -> Product:
        """The store's product, or 404 (another store's product is unknown here)."""
        product = self.find(product_id, lock=lock)
        if product is None or product.store_id != store_id:
            raise ProductNotFound(f"product {product_id} does not exist")
        return product

    def count(self) -> int:
        """The tenant's products, in every store (what the plan's limit counts)."""
        return self.session.scalar(select(func.count()).select_from(Product)) or 0

    def many(
        self, store_id: uuid.UUID, ids: Collection[uuid.UUID], *, lock: bool = False
    ) -> list[Product]:
        """The store's products among `ids`, by id (rows locked in that order when `lock`)."""
        query = self.in_store(store_id).where(Product.id.in_(ids)).order_by(Product.id)
        if lock:
            query = query.with_for_update()
        return self.list(query)

    def sku_taken(
        self,
        store_id: uuid.UUID,
        sku: str,
        *,
        product_id: uuid.UUID | None = None,
        variant_id: uuid.UUID | None = None,
    ) -> bool:
        """Whether a product or a variant of the store, other than the ones named, has `sku`."""
        products = select(Product.id).where(Product.store_id == store_id, Product.sku == sku)
        if product_id is not None:
            products = products.where(Product.id != product_id)
        variants = select(ProductVariant.id).where(
            ProductVariant.store_id == store_id, ProductVariant.sku == sku
        )
        if variant_id is not None:
            variants = variants.where(ProductVariant.id != variant_id)
        return bool(self.session.scalar(select(or_(exists(products), exists(variants)))))

    def count_by_status(self) -> dict[str, int]:
        query = select(Product.status, func.count()).group_by(Product.status)
        return {status: count for status, count in self.session.execute(query)}


class VariantRepository(RepositoryBase[ProductVariant]):
    model = ProductVariant
    not_found = VariantNotFound
    label = "variant"

    def of(self, product_ids: Collection[uuid.UUID]) -> list[ProductVariant]:
        if not product_ids:
            return []
        return self.list(
            self.select()
            .where(ProductVariant.product_id.in_(product_ids))
            .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
        )

    def get_of(self, product_id: uuid.UUID, variant_id: uuid.UUID) -> ProductVariant:
        variant = self.find(variant_id)
        if variant is None or variant.product_id != product_id:
            raise VariantNotFound(f"variant {variant_id} does not exist")
        return variant

    def next_position(self, product_id: uuid.UUID) -> int:
        highest = self.session.scalar(
            select(func.max(ProductVariant.position)).where(ProductVariant.product_id == product_id)
        )
        return 0 if highest is None else highest + 1


class CategoryRepository(RepositoryBase[Category]):
    model = Category
    not_found = CategoryNotFound
    label = "category"

    def get_in(self, store_id: uuid.UUID, category_id: uuid.UUID) -> Category:
        category = self.find(category_id)
        if category is None or category.store_id != store_id:
            raise CategoryNotFound(f"category {category_id} does not exist")
        return category

    def of_store(self, store_id: uuid.UUID) -> list[Category]:
        return self.list(
            self.select()
            .where(Category.store_id == store_id)
            .order_by(Category.position, Category.name, Category.id)
        )

    def parents(self, store_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
        """Every category of the store and its parent (the tree's shape, in one query)."""
        rows = self.session.execute(
            select(Category.id, Category.parent_id).where(Category.store_id == store_id)
        )
        return {row.id: row.parent_id for row in rows}

    def slug_taken(
        self, store_id: uuid.UUID, slug: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        query = select(Category.id).where(Category.store_id == store_id, Category.slug == slug)
        if other_than is not None:
            query = query.where(Category.id != other_than)
        return bool(self.session.scalar(select(exists(query))))

    def has_children(self, category_id: uuid.UUID) -> bool:
        return bool(self.session.scalar(select(exists().where(Category.parent_id == category_id))))


class ProductCategoryRepository(RepositoryBase[ProductCategory]):
    model = ProductCategory

    def of(self, product_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = {pid: [] for pid in product_ids}
        if not product_ids:
            return found
        rows = self.session.execute(
            select(ProductCategory.product_id, ProductCategory.category_id)
            .where(ProductCategory.product_id.in_(product_ids))
            .order_by(ProductCategory.product_id, ProductCategory.category_id)
        )
        for row in rows:
            found[row.product_id].append(row.category_id)
        return found

    def replace(self, product_id: uuid.UUID, category_ids: Sequence[uuid.UUID]) -> None:
        self.session.execute(
            delete(ProductCategory).where(ProductCategory.product_id == product_id)
        )
        self.session.add_all(
            ProductCategory(product_id=product_id, category_id=c)
            for c in dict.fromkeys(category_ids)
        )
        self.session.flush()


class VatRateRepository(RepositoryBase[VatRate]):
    model = VatRate

    def of_platform(self, platform_id: uuid.UUID) -> list[VatRate]:
        return self.list(
            self.select().where(VatRate.platform_id == platform_id).order_by(VatRate.rate.desc())
        )

    def clear(self, platform_id: uuid.UUID) -> None:
        self.session.execute(delete(VatRate).where(VatRate.platform_id == platform_id))
