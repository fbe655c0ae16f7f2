"""Fixtures of the marketplace tests: a tenant with the module on (catalog, orders come
with it), a store, small feeds written to files, the import run as its task runs it, and
a Letzshop-compatible server on loopback."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orion.kernel.data.tenancy import TenantContext, set_tenant
from orion.kernel.runtime import Runtime
from orion.modules.catalog import services as catalog
from orion.modules.marketplace.schemas import ImportPolicy
from orion.modules.marketplace.services import imports
from tests.modules.marketplace.letzshop_server import letzshop_server

HEADER = [
    "id",
    "title",
    "description",
    "price",
    "gtin",
    "item_group_id",
    "color",
    "size",
    "image_link",
    "brand",
    "quantity",
]


def feed_text(rows: list[dict[str, str]], delimiter: str = "\t", header: list[str] = HEADER) -> str:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(
        out, header, delimiter=delimiter, lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


@dataclass
class Shop:
    runtime: Runtime
    tenant: TenantContext
    store_id: uuid.UUID
    tmp: Path

    def work(self):  # type: ignore[no-untyped-def]
        return self.runtime.database.unit_of_work(tenant=self.tenant)

    def import_bytes(
        self, data: bytes, *, language: str = "en", policy: ImportPolicy = ImportPolicy.skip
    ) -> Any:
        """Upload `data` and run the import as the task does; the import's row (detached)."""
        with self.work() as session:
            row = imports.start_upload(
                session,
                self.tenant,
                store_id=self.store_id,
                language=language,
                policy=policy,
                filename="feed.tsv",
                source=io.BytesIO(data),
                send=False,
            )
            import_id = row.id
        self.run(import_id)
        return self.get(import_id)

    def run(self, import_id: uuid.UUID) -> dict[str, Any]:
        with self.runtime.database.unit_of_work() as session:
            set_tenant(session, self.tenant)
            return imports.run_import(session, import_id, checkpoint=session.commit)

    def get(self, import_id: uuid.UUID) -> Any:
        with self.work() as session:
            row = imports.get_import(
                session, self.tenant, store_id=self.store_id, import_id=import_id
            )
            session.expunge(row)
            return row

    def products(self) -> dict[str, Any]:
        from orion.kernel.data.paging import Page

        with self.work() as session:
            items = catalog.items_page(
                session, self.tenant, store_id=self.store_id, page=Page(limit=500)
            ).data
        return {item.sku: item for item in items}


@pytest.fixture(autouse=True)
def files(runtime, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """The module's files (uploads, exports) in the test's own folder."""
    settings = {**runtime.settings.modules.get("marketplace", {}), "storage_dir": str(tmp_path)}
    monkeypatch.setitem(runtime.settings.modules, "marketplace", settings)


@pytest.fixture
def shop(runtime, make_tenant, make_store, enable, tmp_path) -> Shop:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    enable("marketplace", tenant_id=tenant.tenant_id)
    store = make_store(tenant)
    return Shop(runtime, tenant, store.id, tmp_path)


@pytest.fixture
def letzshop(runtime):  # type: ignore[no-untyped-def]
    """The Letzshop-compatible server; the module's settings point at it (and retry fast)."""
    with letzshop_server() as (url, state):
        state.url = url
        previous = runtime.settings.modules.get("marketplace")
        runtime.settings.modules["marketplace"] = {
            **(previous or {}),
            "letzshop_url": url,
            "backoff_seconds": 0,
            "max_attempts": 3,
            "page_size": 2,
        }
        try:
            yield state
        finally:
            if previous is None:
                runtime.settings.modules.pop("marketplace", None)
            else:
                runtime.settings.modules["marketplace"] = previous
