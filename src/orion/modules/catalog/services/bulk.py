"""Bulk actions on up to 500 of a store's products, in one transaction: change their status,
change their prices by a percentage, delete the drafts among them. And `upsert_items`: many
products created or changed by SKU in a few statements (the marketplace's feed imports)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import insert, or_, select, text
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.money import MAX_AMOUNT, apply_rate
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError
from orion.kernel.runtime.events import publish
from orion.modules.catalog.events import ProductCreated
from orion.modules.catalog.exceptions import CatalogInvalid
from orion.modules.catalog.models import Product, ProductVariant
from orion.modules.catalog.repository import ProductRepository, VariantRepository
from orion.modules.catalog.schemas import (
    BulkAction,
    BulkRequest,
    BulkResult,
    BulkSkipped,
    ProductStatus,
)
from orion.modules.catalog.services.common import (
    clean,
    derive_texts,
    display_title,
    lock_skus,
    stock_managed_elsewhere,
    store_of,
)
from orion.modules.catalog.services.products import (
    announce_update,
    remove_product,
    reserve_product_slots,
)
from orion.modules.catalog.services.vat import resolve_vat_rate


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


# -- bulk upsert by SKU (imports) -------------------------------------------------------------


@dataclass
class UpsertVariant:
    sku: str
    options: dict[str, str]
    gtin: str | None = None
    price: int | None = None  # None: the product's
    available_quantity: int | None = None  # only where the inventory module is off


@dataclass
class UpsertItem:
    """A product as an import gives it. `titles`/`descriptions` replace the languages they
    hold and keep the others; `variants` are added or changed, never removed."""

    sku: str
    titles: dict[str, str]
    price: int
    descriptions: dict[str, str] = field(default_factory=dict)
    gtin: str | None = None
    images: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    variants: list[UpsertVariant] = field(default_factory=list)
    available_quantity: int | None = None  # only where the inventory module is off


@dataclass
class UpsertResult:
    """Per item SKU: "created", "updated" or "unchanged"; `refused`: SKU -> (field, why)
    (a SKU given twice: the later item is refused, the first written);
    `ids`: every SKU written (items and variants) -> (product id, variant id);
    `available`: the stock each had before (None: new or untracked)."""

    outcomes: dict[str, str] = field(default_factory=dict)
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)
    ids: dict[str, tuple[uuid.UUID, uuid.UUID | None]] = field(default_factory=dict)
    available: dict[str, int | None] = field(default_factory=dict)


def upsert_items(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    items: list[UpsertItem],
    status: ProductStatus = ProductStatus.active,
) -> UpsertResult:
    """Create or change the store's products by SKU, in a few statements for the whole
    batch: two SELECTs, one INSERT and one UPDATE per table. A SKU used by another kind of
    row (a product's SKU given as a variant's, a variant of another product) is refused
    for that item only. New products take `status` and the platform's standard VAT rate,
    and count against the plan's product limit (402 for the whole batch)."""
    result = UpsertResult()
    with acting_for(session, tenant):
        store = store_of(session, tenant, store_id)
        managed = stock_managed_elsewhere(session, tenant)
        lock_skus(session, store_id)
        skus = [i.sku for i in items] + [v.sku for i in items for v in i.variants]
        products = {
            row.sku: row
            for row in session.execute(
                select(Product).where(Product.store_id == store_id, Product.sku.in_(skus))
            ).scalars()
        }
        variant_rows = session.execute(
            select(ProductVariant).where(
                ProductVariant.store_id == store_id,
                or_(
                    ProductVariant.sku.in_(skus),
                    ProductVariant.product_id.in_([p.id for p in products.values()]),
                ),
            )
        ).scalars()
        variants = {v.sku: v for v in variant_rows}
        taken: set[str] = set()
        accepted = {
            id(i)
            for i in items
            if i.sku not in products and _check(i, products, variants, result, taken)
        }
        new_items = [i for i in items if id(i) in accepted]
        if new_items:
            reserve_product_slots(session, tenant, adding=len(new_items))
        vat_rate = resolve_vat_rate(session, tenant, None)
        inserts: list[dict[str, Any]] = []
        variant_inserts: list[dict[str, Any]] = []
        for item in items:
            if item.sku not in products and id(item) not in accepted:
                continue
            if managed:
                item.available_quantity = None
                for v in item.variants:
                    v.available_quantity = None
            product = products.get(item.sku)
            if product is None:
                values = _new_product(tenant, store_id, store.currency, vat_rate, status, item)
                inserts.append(values)
                product_id, changed = values["id"], ["created"]
                known: dict[str, ProductVariant] = {}
            else:
                if not _check(item, products, variants, result, taken):
                    continue
                result.available[item.sku] = product.available_quantity
                product_id, changed = product.id, _apply(product, item)
                known = {v.sku: v for v in variants.values() if v.product_id == product.id}
            result.ids[item.sku] = (product_id, None)
            position = max((v.position for v in known.values()), default=-1) + 1
            for variant in item.variants:
                row = known.get(variant.sku)
                if row is None:
                    variant_inserts.append(
                        _new_variant(tenant, store_id, product_id, variant, position)
                    )
                    result.ids[variant.sku] = (product_id, variant_inserts[-1]["id"])
                    position += 1
                    changed.append("variants")
                    continue
                result.ids[variant.sku] = (product_id, row.id)
                result.available[variant.sku] = row.available_quantity
                for name in ("options", "gtin", "price", "available_quantity"):
                    value = getattr(variant, name)
                    if name == "available_quantity" and value is None:
                        continue
                    if getattr(row, name) != value:
                        setattr(row, name, value)
                        changed.append("variants")
            if product is not None and item.variants and not managed:
                total = [
                    v.available_quantity for v in item.variants if v.available_quantity is not None
                ]
                if total and product.available_quantity != sum(total):
                    product.available_quantity = sum(total)
            outcome = "created" if product is None else "updated" if changed else "unchanged"
            result.outcomes[item.sku] = outcome
            if product is not None and changed:
                product.updated_at = utcnow()
        insert_all(session, Product, inserts)
        insert_all(session, ProductVariant, variant_inserts)
        session.flush()
        for item in items:
            outcome = result.outcomes.get(item.sku)
            product_id = result.ids[item.sku][0] if outcome else None
            if outcome == "created":
                publish(
                    session,
                    ProductCreated(
                        product_id=product_id,
                        store_id=store_id,
                        sku=item.sku,
                        status=status.value,
                        tenant_id=tenant.tenant_id,  # given: publish need not copy the event
                    ),
                )
            elif outcome == "updated":
                announce_update(session, products[item.sku], ["import"])
    return result


def insert_all(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, `tenant_id` included). PostgreSQL: one
    statement whatever their number, the rows sent as one JSON array that the server turns
    into records (an executemany is one INSERT per row, arrays per column cost Python time
    per value, and COPY is refused on tables with row-level security). Elsewhere: an
    executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return
    table = model.__table__.name
    columns = ", ".join(f'"{name}"' for name in rows[0])
    session.execute(
        text(
            f'INSERT INTO "{table}" ({columns}) SELECT {columns} '
            f'FROM jsonb_populate_recordset(NULL::"{table}", CAST(:rows AS jsonb))'
        ),
        {"rows": orjson.dumps(rows).decode()},
    )


def _check(
    item: UpsertItem,
    products: dict[str, Product],
    variants: dict[str, ProductVariant],
    result: UpsertResult,
    taken: set[str],
) -> bool:
    """Whether the item's SKUs are free for it (else noted in `result.refused`); `taken`:
    the SKUs of the batch's items checked before it."""
    if item.sku in taken:
        result.refused[item.sku] = ("sku", f"{item.sku} is given twice")
        return False
    if item.sku in variants:
        result.refused[item.sku] = ("sku", f"{item.sku} is already a variant's SKU")
        return False
    own = products.get(item.sku)
    seen = {item.sku}
    for variant in item.variants:
        existing = variants.get(variant.sku)
        if variant.sku in products or variant.sku in seen or variant.sku in taken:
            result.refused[item.sku] = ("sku", f"{variant.sku} is already a product's SKU")
            return False
        if existing is not None and (own is None or existing.product_id != own.id):
            result.refused[item.sku] = ("sku", f"{variant.sku} is a variant of another product")
            return False
        seen.add(variant.sku)
    taken.update(seen)
    return True


def _apply(product: Product, item: UpsertItem) -> list[str]:
    """Set what the item changes on the product; the names of the fields changed."""
    changed = []
    wanted = {
        "gtin": item.gtin,
        "titles": clean({**product.titles, **item.titles}),
        "descriptions": clean({**product.descriptions, **item.descriptions}),
        "price": item.price,
        "images": list(item.images),
        "attributes": {**product.attributes, **item.attributes},
    }
    if not item.variants and item.available_quantity is not None:
        wanted["available_quantity"] = item.available_quantity
    for name, value in wanted.items():
        if getattr(product, name) != value:
            setattr(product, name, value)
            changed.append(name)
    if "titles" in changed:
        derive_texts(product)
    return changed


def _new_product(
    tenant: TenantContext,
    store_id: uuid.UUID,
    currency: str,
    vat_rate: int,
    status: ProductStatus,
    item: UpsertItem,
) -> dict[str, Any]:
    titles = clean(item.titles)
    title = display_title(titles)
    quantities = [v.available_quantity for v in item.variants if v.available_quantity is not None]
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant.tenant_id,
        "store_id": store_id,
        "sku": item.sku,
        "gtin": item.gtin,
        "titles": titles,
        "descriptions": clean(item.descriptions),
        "title": title,
        "sort_title": title.casefold()[:300],
        "search_text": " ".join(titles.values()).casefold(),
        "price": item.price,
        "currency": currency,
        "vat_rate": vat_rate,
        "status": status.value,
        "images": list(item.images),
        "attributes": dict(item.attributes),
        "available_quantity": sum(quantities) if quantities else item.available_quantity,
        "low_stock_threshold": 5,
        "created_at": now,
        "updated_at": now,
    }


def _new_variant(
    tenant: TenantContext,
    store_id: uuid.UUID,
    product_id: uuid.UUID,
    variant: UpsertVariant,
    position: int,
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant.tenant_id,
        "store_id": store_id,
        "product_id": product_id,
        "sku": variant.sku,
        "gtin": variant.gtin,
        "options": dict(variant.options),
        "price": variant.price,
        "position": position,
        "available_quantity": variant.available_quantity,
        "created_at": now,
        "updated_at": now,
    }
