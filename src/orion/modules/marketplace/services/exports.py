"""Exports: a store's products as Letzshop feed files (tab-separated, Google Shopping
columns, one file per language), and the marketplace products (every product of the
store, every language in one row) as CSV. Both read the catalog in keyset pages and write
line by line: memory stays flat whatever the catalogue's size. Old exports are removed by
`marketplace.remove_old_exports`."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Keyset, Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants, require_tenant
from orion.kernel.runtime.tasks import enqueue
from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import ItemPublic, ItemQuery, ProductStatus
from orion.modules.marketplace.exceptions import ExportNotFound
from orion.modules.marketplace.models import Export
from orion.modules.marketplace.repository import ExportRepository
from orion.modules.marketplace.schemas import ExportKind, ExportsPublic
from orion.modules.marketplace.services.common import (
    file_path,
    remove_tree,
    settings_of,
    storage_root,
    store_of,
)

FEED_COLUMNS = (
    "id", "title", "description", "link", "image_link", "additional_image_link", "price",
    "sale_price", "availability", "condition", "gtin", "mpn", "brand",
    "google_product_category", "product_type", "item_group_id", "color", "size",
    "shipping_weight", "quantity",
)  # fmt: skip
CSV_COLUMNS = (
    "sku", "item_group_id", "variant_options", "title_en", "title_fr", "title_de", "price",
    "currency", "status", "quantity", "gtin", "brand", "images",
)  # fmt: skip
TASKS = {
    ExportKind.store_feed: "marketplace.export_store_products_to_folder",
    ExportKind.marketplace_csv: "marketplace.export_marketplace_products",
}
PAGE = 500
ATTRIBUTES = (
    "link", "availability", "condition", "mpn", "brand", "google_product_category",
    "product_type", "shipping_weight",
)  # fmt: skip


def _folder(tenant_id: uuid.UUID, export_id: uuid.UUID) -> str:
    return f"exports/{tenant_id}/{export_id}"


def start_export(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, kind: ExportKind
) -> Export:
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        row = ExportRepository(session).add(
            Export(tenant_id=tenant.tenant_id, store_id=store_id, kind=kind.value, files=[])
        )
        enqueue(session, TASKS[kind], export_id=row.id, tenant_id=tenant.tenant_id)
        return row


def exports_listing(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> ExportsPublic:
    with acting_for(session, tenant):
        repo = ExportRepository(session)
        return repo.listing(ExportsPublic, repo.in_store(store_id), page, Export.created_at.desc())


def get_export(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, export_id: uuid.UUID
) -> Export:
    with acting_for(session, tenant):
        return ExportRepository(session).get_in(store_id, export_id)


def export_file(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    export_id: uuid.UUID,
    name: str,
) -> Path:
    """The path of one file of a finished export (404 for a name it does not have)."""
    row = get_export(session, tenant, store_id=store_id, export_id=export_id)
    if name not in {f["name"] for f in row.files}:
        raise ExportNotFound(f"export {export_id} has no file {name}")
    path = file_path(session, f"{_folder(row.tenant_id, row.id)}/{name}")
    if not path.exists():
        raise ExportNotFound(f"the file {name} was removed")
    return path


def _products(
    session: Session, tenant: TenantContext, store_id: uuid.UUID, status: ProductStatus | None
) -> Iterator[ItemPublic]:
    after = None
    filters = ItemQuery(status=status, sort="sku", order="asc")
    while True:
        listed = catalog.items_listing(
            session,
            tenant,
            store_id=store_id,
            filters=filters,
            page=Keyset(limit=PAGE, after=after),
        )
        yield from listed.data
        session.expunge_all()  # what was read for this page is not kept
        if not listed.next_cursor:
            return
        after = listed.next_cursor


def _amount(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _feed_rows(item: ItemPublic, language: str) -> Iterator[dict[str, Any]]:
    attributes = item.attributes
    base = {name: attributes.get(name, "") for name in ATTRIBUTES}
    base.update(
        title=item.titles.get(language, ""),
        description=item.descriptions.get(language, ""),
        image_link=item.images[0] if item.images else "",
        additional_image_link=",".join(item.images[1:]),
    )

    def priced(price: int) -> dict[str, str]:
        regular = attributes.get("regular_price")
        if regular and regular.isdigit() and int(regular) != price:
            return {"price": f"{_amount(int(regular))} {item.currency}",
                    "sale_price": f"{_amount(price)} {item.currency}"}  # fmt: skip
        return {"price": f"{_amount(price)} {item.currency}", "sale_price": ""}

    if not item.variants:
        quantity = "" if item.available_quantity is None else str(item.available_quantity)
        yield {**base, **priced(item.price), "id": item.sku, "gtin": item.gtin or "",
               "item_group_id": "", "color": "", "size": "", "quantity": quantity}  # fmt: skip
        return
    for variant in item.variants:
        options = variant.options
        quantity = "" if variant.available_quantity is None else str(variant.available_quantity)
        yield {
            **base,
            **priced(variant.price if variant.price is not None else item.price),
            "id": variant.sku,
            "gtin": variant.gtin or "",
            "item_group_id": item.sku,
            "color": options.get("color", ""),
            "size": options.get("size", ""),
            "quantity": quantity,
        }


def _finish(session: Session, export_id: uuid.UUID, files: list[dict[str, Any]], rows: int) -> None:
    row = session.get(Export, export_id)
    assert row is not None
    row.files, row.rows, row.state, row.finished_at = files, rows, "succeeded", utcnow()
    session.flush()


def run_store_feed_export(session: Session, export_id: uuid.UUID) -> dict[str, Any]:
    """Write one tab-separated feed per language (those in which some product has a title)."""
    tenant = require_tenant(session)
    row = session.get(Export, export_id)
    if row is None or row.state == "succeeded" or row.store_id is None:
        return {"state": row.state if row else "missing"}
    folder = file_path(session, _folder(tenant.tenant_id, export_id))
    folder.mkdir(parents=True, exist_ok=True)
    store = store_of(session, tenant, row.store_id)
    handles, writers, counts = {}, {}, {}
    products = 0
    try:
        for item in _products(session, tenant, store.id, ProductStatus.active):
            products += 1
            for language in item.titles:
                if language not in writers:
                    handles[language] = (folder / f"{store.code}-{language}.tsv").open(
                        "w", encoding="utf-8", newline=""
                    )
                    writers[language] = csv.DictWriter(
                        handles[language], FEED_COLUMNS, delimiter="\t", lineterminator="\n"
                    )
                    writers[language].writeheader()
                    counts[language] = 0
                for line in _feed_rows(item, language):
                    writers[language].writerow(line)
                    counts[language] += 1
    finally:
        for handle in handles.values():
            handle.close()
    files = [
        {"name": f"{store.code}-{lang}.tsv", "language": lang, "rows": counts[lang],
         "bytes": (folder / f"{store.code}-{lang}.tsv").stat().st_size}
        for lang in sorted(counts)
    ]  # fmt: skip
    _finish(session, export_id, files, products)
    return {"state": "succeeded", "files": len(files), "products": products}


def run_marketplace_csv_export(session: Session, export_id: uuid.UUID) -> dict[str, Any]:
    """Write every product (and variant) of the store as one CSV row, all languages."""
    tenant = require_tenant(session)
    row = session.get(Export, export_id)
    if row is None or row.state == "succeeded" or row.store_id is None:
        return {"state": row.state if row else "missing"}
    folder = file_path(session, _folder(tenant.tenant_id, export_id))
    folder.mkdir(parents=True, exist_ok=True)
    store = store_of(session, tenant, row.store_id)
    name = f"{store.code}-products.csv"
    lines = 0
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS)
        writer.writeheader()
        for item in _products(session, tenant, store.id, None):
            common = {
                **{f"title_{lang}": item.titles.get(lang, "") for lang in ("en", "fr", "de")},
                "currency": item.currency,
                "status": item.status.value,
                "brand": item.attributes.get("brand", ""),
                "images": " ".join(item.images),
            }
            entries = [
                (v.sku, item.sku, "; ".join(f"{k}: {val}" for k, val in v.options.items()),
                 v.price if v.price is not None else item.price, v.available_quantity, v.gtin)
                for v in item.variants
            ] or [(item.sku, "", "", item.price, item.available_quantity, item.gtin)]  # fmt: skip
            for sku, group, options, price, quantity, gtin in entries:
                writer.writerow({**common, "sku": sku, "item_group_id": group,
                                 "variant_options": options, "price": _amount(price),
                                 "quantity": "" if quantity is None else quantity,
                                 "gtin": gtin or ""})  # fmt: skip
                lines += 1
    files = [
        {"name": name, "language": None, "rows": lines, "bytes": (folder / name).stat().st_size}
    ]
    _finish(session, export_id, files, lines)
    return {"state": "succeeded", "rows": lines}


def fail_export(session: Session, export_id: uuid.UUID, error: str) -> None:
    row = session.get(Export, export_id)
    if row is not None:
        row.state, row.error, row.finished_at = "failed", error[:2000], utcnow()


def remove_old_exports(session: Session) -> int:
    """Delete exports (rows and files) older than the retention; how many."""
    cutoff = utcnow() - timedelta(days=settings_of(session).export_retention_days)
    removed = 0
    root = storage_root(session)
    with all_tenants(session):
        for row in session.scalars(select(Export).where(Export.created_at < cutoff)):
            remove_tree(root / _folder(row.tenant_id, row.id))
            session.delete(row)
            removed += 1
    session.flush()
    return removed
