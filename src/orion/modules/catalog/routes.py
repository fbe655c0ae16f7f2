"""Catalog routes.

`api` is one router with two audiences (kernel.web.mounting): the tenant's members at
/api/v1/catalog/..., platform operators acting for a tenant at
/api/v1/admin/catalog/tenants/{tenant_id}/... Per-store routes sit under
`/stores/{store_id}` (`CurrentStore`: 404 `store_not_found` for a store of another tenant
or one the member does not reach). `admin` (/api/v1/admin/catalog) holds the platforms'
VAT rates; `public` (/api/v1/public/catalog/stores/{store_id}/...) is the storefront's
catalogue: active products and the category tree, for anyone. Routes are thin: parse,
call one service function, answer a schema.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from orion.kernel.web.dependencies import (
    CurrentStore,
    CurrentTenant,
    KeysetDep,
    PageDep,
    PlatformAdmin,
    PlatformId,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.kernel.web.storefront import StorefrontDep
from orion.modules.catalog import services
from orion.modules.catalog.dependencies import CanManage, CanRead
from orion.modules.catalog.schemas import (
    BulkRequest,
    BulkResult,
    CategoriesPublic,
    CategoryCreate,
    CategoryPublic,
    CategoryTreePublic,
    CategoryUpdate,
    ImagesUpdate,
    ItemCreate,
    ItemPublic,
    ItemQuery,
    ItemsPublic,
    ItemUpdate,
    ShopItemPublic,
    ShopItemQuery,
    ShopItemsPublic,
    VariantCreate,
    VariantPublic,
    VariantUpdate,
    VatRatesPublic,
    VatRatesUpdate,
)

api = APIRouter()
admin = APIRouter()
public = APIRouter()

READ = problem_responses(404)
WRITE = problem_responses(404, 409, 422)
CREATE = problem_responses(402, 404, 409, 422)

Filters = Annotated[ItemQuery, Query()]


@api.get("/vat-rates")
def get_vat_rates(session: SessionDep, tenant: CurrentTenant, _: CanRead) -> VatRatesPublic:
    """The VAT rates the tenant's products may carry (its platform's)."""
    return services.tenant_vat_rates(session, tenant)


# -- items -------------------------------------------------------------------------------------


@api.get(
    "/stores/{store_id}/items", response_model=ItemsPublic, responses=problem_responses(404, 422)
)
def list_items(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    filters: Filters,
    page: KeysetDep,
) -> ListingResponse:
    """The store's products: search `q` (title words in any language, a SKU's beginning, a
    GTIN), filters, `sort` and `order`; keyset pages (`after` = the previous `next_cursor`)."""
    return ListingResponse(
        services.items_listing(session, tenant, store_id=store.id, filters=filters, page=page)
    )


@api.post("/stores/{store_id}/items", status_code=status.HTTP_201_CREATED, responses=CREATE)
def create_item(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanManage, body: ItemCreate
) -> ItemPublic:
    """A new product (with variants); 402 `plan_limit_reached` past the plan's `products`."""
    product = services.create_product(session, tenant, store_id=store.id, data=body)
    return services.item_public(session, tenant, product)


@api.post("/stores/{store_id}/items/bulk", responses=WRITE)
def bulk(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanManage, body: BulkRequest
) -> BulkResult:
    """One action on up to 500 products, in one transaction: `set_status`, `adjust_price`
    (`basis_points`, variants' own prices too), `delete` (drafts only; others are skipped)."""
    return services.bulk_action(session, tenant, store_id=store.id, data=body)


@api.get("/stores/{store_id}/items/{item_id}", responses=READ)
def get_item(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, item_id: uuid.UUID
) -> ItemPublic:
    product = services.get_product(session, tenant, store.id, item_id)
    return services.item_public(session, tenant, product)


@api.patch("/stores/{store_id}/items/{item_id}", responses=WRITE)
def update_item(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    item_id: uuid.UUID,
    body: ItemUpdate,
) -> ItemPublic:
    product = services.update_product(
        session, tenant, store_id=store.id, product_id=item_id, data=body
    )
    return services.item_public(session, tenant, product)


@api.delete(
    "/stores/{store_id}/items/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
def delete_item(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    item_id: uuid.UUID,
) -> None:
    """Drafts only: an active or archived product is kept for the orders naming it (409)."""
    services.delete_product(session, tenant, store_id=store.id, product_id=item_id)


@api.put("/stores/{store_id}/items/{item_id}/images", responses=WRITE)
def put_images(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    item_id: uuid.UUID,
    body: ImagesUpdate,
) -> ItemPublic:
    """The product's images in the order given (the first is the main one)."""
    product = services.set_images(
        session, tenant, store_id=store.id, product_id=item_id, images=body.images
    )
    return services.item_public(session, tenant, product)


# -- variants ----------------------------------------------------------------------------------


@api.get("/stores/{store_id}/items/{item_id}/variants", responses=READ)
def list_variants(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, item_id: uuid.UUID
) -> list[VariantPublic]:
    rows = services.list_variants(session, tenant, store_id=store.id, product_id=item_id)
    return [VariantPublic.model_validate(row) for row in rows]


@api.post(
    "/stores/{store_id}/items/{item_id}/variants",
    status_code=status.HTTP_201_CREATED,
    responses=WRITE,
)
def add_variant(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    item_id: uuid.UUID,
    body: VariantCreate,
) -> VariantPublic:
    variant = services.add_variant(
        session, tenant, store_id=store.id, product_id=item_id, data=body
    )
    return VariantPublic.model_validate(variant)


@api.patch("/stores/{store_id}/items/{item_id}/variants/{variant_id}", responses=WRITE)
def update_variant(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    item_id: uuid.UUID,
    variant_id: uuid.UUID,
    body: VariantUpdate,
) -> VariantPublic:
    variant = services.update_variant(
        session, tenant, store_id=store.id, product_id=item_id, variant_id=variant_id, data=body
    )
    return VariantPublic.model_validate(variant)


@api.delete(
    "/stores/{store_id}/items/{item_id}/variants/{variant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=READ,
)
def delete_variant(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    item_id: uuid.UUID,
    variant_id: uuid.UUID,
) -> None:
    services.delete_variant(
        session, tenant, store_id=store.id, product_id=item_id, variant_id=variant_id
    )


# -- categories --------------------------------------------------------------------------------


@api.get("/stores/{store_id}/categories", response_model=CategoriesPublic, responses=READ)
def list_categories(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    """The store's categories, flat, each with its `parent_id` (`/tree` nests them)."""
    return ListingResponse(services.list_categories(session, tenant, store_id=store.id, page=page))


@api.get("/stores/{store_id}/categories/tree", responses=READ)
def category_tree(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead
) -> CategoryTreePublic:
    return CategoryTreePublic(data=services.category_tree(session, tenant, store_id=store.id))


@api.post("/stores/{store_id}/categories", status_code=status.HTTP_201_CREATED, responses=WRITE)
def create_category(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    body: CategoryCreate,
) -> CategoryPublic:
    category = services.create_category(session, tenant, store_id=store.id, data=body)
    return CategoryPublic.model_validate(category)


@api.get("/stores/{store_id}/categories/{category_id}", responses=READ)
def get_category(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    category_id: uuid.UUID,
) -> CategoryPublic:
    category = services.get_category(session, tenant, store_id=store.id, category_id=category_id)
    return CategoryPublic.model_validate(category)


@api.patch("/stores/{store_id}/categories/{category_id}", responses=WRITE)
def update_category(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    category_id: uuid.UUID,
    body: CategoryUpdate,
) -> CategoryPublic:
    """Rename, reorder or move (`parent_id`; under its own subcategory: 409 `category_cycle`)."""
    category = services.update_category(
        session, tenant, store_id=store.id, category_id=category_id, data=body
    )
    return CategoryPublic.model_validate(category)


@api.delete(
    "/stores/{store_id}/categories/{category_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
def delete_category(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    category_id: uuid.UUID,
) -> None:
    services.delete_category(session, tenant, store_id=store.id, category_id=category_id)


# -- operators: the platforms' VAT rates -------------------------------------------------------


@admin.get("/vat-rates", responses=READ)
def platform_vat_rates(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId
) -> VatRatesPublic:
    """A platform's VAT rates (`?platform_id=`, else the default platform)."""
    return services.vat_rates(session, platform_id)


@admin.put("/vat-rates", responses=problem_responses(404, 422))
def put_platform_vat_rates(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, body: VatRatesUpdate
) -> VatRatesPublic:
    """Replace a platform's VAT rates; products keep the rate they carry."""
    return services.set_vat_rates(session, platform_id, data=body)


# -- the storefront ----------------------------------------------------------------------------

ShopFilters = Annotated[ShopItemQuery, Query()]


@public.get(
    "/stores/{store_id}/items", response_model=ShopItemsPublic, responses=problem_responses(404)
)
def shop_items(
    session: SessionDep, shop: StorefrontDep, filters: ShopFilters, page: KeysetDep
) -> ListingResponse:
    """The store's active products: search `q`, a category (with its subcategories), a price
    range; keyset pages. Whether a product can be bought is `in_stock`."""
    return ListingResponse(
        services.shop_items(
            session, shop.tenant, store_id=shop.store.id, filters=filters, page=page
        )
    )


@public.get("/stores/{store_id}/items/{item_id}", responses=READ)
def shop_item(session: SessionDep, shop: StorefrontDep, item_id: uuid.UUID) -> ShopItemPublic:
    return services.shop_item_detail(session, shop.tenant, store_id=shop.store.id, item_id=item_id)


@public.get("/stores/{store_id}/categories", responses=READ)
def shop_categories(session: SessionDep, shop: StorefrontDep) -> CategoryTreePublic:
    """The store's category tree."""
    return CategoryTreePublic(
        data=services.category_tree(session, shop.tenant, store_id=shop.store.id)
    )
