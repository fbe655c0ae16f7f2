"""Catalog errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import Conflict, FieldError, NotFound, OrionError, ValidationFailed


class CatalogError(OrionError):
    code = "catalog_error"


class ProductNotFound(CatalogError, NotFound):
    code = "product_not_found"


class VariantNotFound(CatalogError, NotFound):
    code = "variant_not_found"


class CategoryNotFound(CatalogError, NotFound):
    code = "category_not_found"


class SkuTaken(CatalogError, Conflict):
    """The SKU is another product's or variant's in the store."""

    code = "sku_taken"

    def __init__(self, sku: str, *, field: str = "sku") -> None:
        super().__init__(
            f"the store already has a product or variant with SKU {sku!r}",
            errors=[FieldError(field, f"SKU {sku!r} is already used in this store", "unique")],
            sku=sku,
        )


class SlugTaken(CatalogError, Conflict):
    code = "category_slug_taken"

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"the store already has a category with slug {slug!r}",
            errors=[FieldError("slug", "already used in this store", "unique")],
        )


class CategoryCycle(CatalogError, Conflict):
    """A category moved under itself or one of its descendants."""

    code = "category_cycle"

    def __init__(self) -> None:
        super().__init__(
            "a category cannot be moved under itself or one of its subcategories",
            errors=[FieldError("parent_id", "is this category or one of its subcategories")],
        )


class CategoryHasChildren(CatalogError, Conflict):
    code = "category_has_children"

    def __init__(self) -> None:
        super().__init__("the category has subcategories: move or delete them first")


class ProductNotDeletable(CatalogError, Conflict):
    """Only drafts are deleted; a product that was on sale is archived (orders keep it)."""

    code = "product_not_deletable"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"the product is {status}: only drafts can be deleted; archive it instead",
            product_status=status,
        )


class CatalogInvalid(CatalogError, ValidationFailed):
    """Input the schema could not judge alone (the store's currency, the platform's VAT
    rates, the store's categories)."""

    code = "validation_failed"


def invalid(field: str, message: str) -> CatalogInvalid:
    return CatalogInvalid(f"{field}: {message}", errors=[FieldError(field, message)])
