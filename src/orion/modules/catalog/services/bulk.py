"""Bulk actions on up to 500 of a store's products, in one transaction: change their status,
change their prices by a percentage, delete the drafts among them."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.money import MAX_AMOUNT, apply_rate
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError
from orion.modules.catalog.exceptions import CatalogInvalid
from orion.modules.catalog.models import Product
from orion.modules.catalog.repository import ProductRepository, VariantRepository
from orion.modules.catalog.schemas import (
    BulkAction,
    BulkRequest,
    BulkResult,
    BulkSkipped,
    ProductStatus,
)
from orion.modules.catalog.services.products import announce_update, remove_product


def adjusted(price: int, basis_points: int) -> int:
    """`price` changed by `basis_points` (rounded half up once), never below 0."""
    return max(0, price + apply_rate(price, basis_points))


def bulk_action(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, data: BulkRequest
) -> BulkResult:
    """Apply `data.action` to the products named. An id that is not one of the store's
    products refuses the whole request (422 naming `ids[i]`); rows are locked in id order."""
    with acting_for(session, tenant):
        ids = list(dict.fromkeys(data.ids))
        products = {p.id: p for p in ProductRepository(session).many(store_id, ids, lock=True)}
        unknown = [
            FieldError(f"ids[{i}]", f"no product {pid} in this store")
            for i, pid in enumerate(data.ids)
            if pid not in products
        ]
        if unknown:
            raise CatalogInvalid(
                f"{len(unknown)} of the ids are not products of this store", errors=unknown
            )
        rows = [products[pid] for pid in sorted(products)]
        if data.action == BulkAction.set_status:
            assert data.status is not None
            return _set_status(session, rows, data.status)
        if data.action == BulkAction.adjust_price:
            assert data.basis_points is not None
            return _adjust_prices(session, rows, data.basis_points)
        return _delete_drafts(session, rows)


def _set_status(session: Session, rows: list[Product], status: ProductStatus) -> BulkResult:
    changed, skipped = [], []
    for product in rows:
        if product.status == status:
            skipped.append(BulkSkipped(id=product.id, reason=f"already {status}"))
            continue
        product.status = status.value
        changed.append(product)
    session.flush()
    for product in changed:
        announce_update(session, product, ["status"])
    return BulkResult(
        action=BulkAction.set_status, changed=[p.id for p in changed], skipped=skipped
    )


def _adjust_prices(session: Session, rows: list[Product], basis_points: int) -> BulkResult:
    variants = VariantRepository(session).of([p.id for p in rows])
    too_high = [p.sku for p in rows if adjusted(p.price, basis_points) > MAX_AMOUNT] + [
        v.sku
        for v in variants
        if v.price is not None and adjusted(v.price, basis_points) > MAX_AMOUNT
    ]
    if too_high:
        raise CatalogInvalid(
            "the change takes prices past the largest amount",
            errors=[FieldError("basis_points", f"too large for {', '.join(too_high[:5])}")],
        )
    for product in rows:
        product.price = adjusted(product.price, basis_points)
    for variant in variants:
        if variant.price is not None:
            variant.price = adjusted(variant.price, basis_points)
    session.flush()
    for product in rows:
        announce_update(session, product, ["price"])
    return BulkResult(action=BulkAction.adjust_price, changed=[p.id for p in rows], skipped=[])


def _delete_drafts(session: Session, rows: list[Product]) -> BulkResult:
    changed, skipped = [], []
    for product in rows:
        if product.status != ProductStatus.draft:
            skipped.append(
                BulkSkipped(
                    id=product.id,
                    reason=f"{product.status}: only drafts are deleted; archive it instead",
                )
            )
            continue
        changed.append(product.id)
        remove_product(session, product)
    return BulkResult(action=BulkAction.delete, changed=changed, skipped=skipped)
