"""What the inventory services share: the item a movement names, references, digests."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import FieldError, ValidationFailed
from orion.modules.catalog import services as catalog


def order_reference(order_id: uuid.UUID) -> str:
    """How reservations and ledger rows name an order."""
    return f"order:{order_id}"


def check_item(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    variant_id: uuid.UUID | None,
) -> None:
    """The product is the store's (404 `product_not_found` otherwise) and `variant_id`
    names one of its variants; a product with variants keeps its stock per variant."""
    catalog.get_product(session, tenant, store_id, product_id)
    variants = {
        v.id
        for v in catalog.list_variants(session, tenant, store_id=store_id, product_id=product_id)
    }
    if variant_id is not None and variant_id not in variants:
        raise ValidationFailed(
            "the variant is not one of the product's",
            errors=[FieldError("variant_id", "is not a variant of this product")],
        )
    if variant_id is None and variants:
        raise ValidationFailed(
            "the product has variants: its stock is kept per variant",
            errors=[FieldError("variant_id", "name one of the product's variants")],
        )


def digest(operation: str, **params: Any) -> str:
    canonical = json.dumps({"op": operation, **params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
