"""More of the product import: the plan's product limit, a feed fetched from its URL,
quoted newlines and Windows-1252 in a real import, the task's lease; and, on PostgreSQL,
imports running at once."""

from __future__ import annotations

import http.server
import os
import threading
import uuid
from datetime import timedelta
from functools import partial

import pytest

from orion.kernel.data.db import utcnow
from orion.kernel.runtime.activation import ModuleScope
from orion.modules.billing import services as billing
from orion.modules.billing.schemas import SubscriptionPlanCreate, UserSubscriptionCreate
from orion.modules.marketplace.models import ProductImport
from orion.modules.marketplace.schemas import ImportPolicy
from orion.modules.marketplace.services import imports
from tests.modules.marketplace.conftest import feed_text
from tests.modules.marketplace.test_imports import GOOD

ROWS = [{"id": f"P-{n}", "title": f"Product {n}", "price": "3.00 EUR"} for n in range(6)]


def limit_products(runtime, shop, monkeypatch, products: int) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(runtime.settings.modules, "billing", {"stripe_webhook_secret": "whsec_x"})
    tenant = shop.tenant
    with runtime.database.unit_of_work() as session:
        runtime.modules.enable(
            session, "billing", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
        )
        plan = billing.create_plan(
            session,
            tenant.platform_id,
            data=SubscriptionPlanCreate(
                code=f"plan-{uuid.uuid4().hex[:8]}",
                name="Tiny",
                price_amount=0,
                currency="EUR",
                interval="month",
                trial_days=0,
                limits={"products": products},
            ),
        )
        billing.subscribe(
            session, tenant, user_id=None, data=UserSubscriptionCreate(plan_id=plan.id)
        )


def test_an_import_past_the_plans_product_limit_fails_and_keeps_the_chunks_before(
    runtime, shop, monkeypatch
):
    limit_products(runtime, shop, monkeypatch, 4)
    chunked = {**runtime.settings.modules["marketplace"], "import_chunk_rows": 3}
    monkeypatch.setitem(runtime.settings.modules, "marketplace", chunked)
    done = shop.import_bytes(feed_text(ROWS).encode())
    assert done.state == "failed" and "allows 4 products" in done.error
    assert "rows from 5 on were not imported" in done.error
    assert sorted(shop.products()) == ["P-0", "P-1", "P-2"]  # the first chunk of three
    assert done.rows_done == 3


def test_a_feed_is_fetched_from_its_url(shop, tmp_path):
    (tmp_path / "feed.tsv").write_text(feed_text(GOOD), encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.tsv"
        with shop.work() as session:
            row = imports.start_from_url(
                session,
                shop.tenant,
                store_id=shop.store_id,
                language="de",
                policy=ImportPolicy.skip,
                url=url,
            )
            import_id = row.id
        shop.run(import_id)
        missing = url.replace("feed.tsv", "gone.tsv")
        with shop.work() as session:
            gone = imports.start_from_url(
                session,
                shop.tenant,
                store_id=shop.store_id,
                language="de",
                policy=ImportPolicy.skip,
                url=missing,
            )
            gone_id = gone.id
        shop.run(gone_id)
    finally:
        server.shutdown()
        server.server_close()
    assert shop.get(import_id).state == "succeeded"
    assert shop.products()["MUG"].titles == {"de": "Mug"}
    failed = shop.get(gone_id)
    assert failed.state == "failed" and "404" in failed.error


def test_quoted_newlines_and_windows_1252_survive_a_real_import(shop):
    rows = [
        {
            "id": "CAFE",
            "title": "Café crème",
            "description": "Line one\nLine two",
            "price": "4,50 EUR",
        }
    ]
    done = shop.import_bytes(feed_text(rows, delimiter=",").encode("cp1252"), language="fr")
    assert done.state == "succeeded" and done.encoding == "cp1252" and done.delimiter == ","
    product = shop.products()["CAFE"]
    assert product.titles == {"fr": "Café crème"}
    assert product.descriptions == {"fr": "Line one\nLine two"} and product.price == 450


def test_a_second_delivery_leaves_a_live_run_alone_and_takes_over_a_dead_one(shop):
    with shop.work() as session:
        row = imports.start_upload(
            session,
            shop.tenant,
            store_id=shop.store_id,
            language="en",
            policy=ImportPolicy.skip,
            filename="f.tsv",
            source=__import__("io").BytesIO(feed_text(GOOD).encode()),
            send=False,
        )
        import_id = row.id
    with shop.work() as session:  # as if a worker were on it right now
        live = session.get(ProductImport, import_id)
        live.state, live.lease_token, live.heartbeat_at = "running", "other", utcnow()
    assert shop.run(import_id) == {"state": "running", "ran": False}
    with shop.work() as session:  # that worker died two minutes ago
        session.get(ProductImport, import_id).heartbeat_at = utcnow() - timedelta(minutes=3)
    assert shop.run(import_id)["state"] == "succeeded"
    assert shop.get(import_id).created_count == 3


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("ORION_TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_two_imports_of_one_feed_at_once_make_each_product_once(shop):
    rows = [
        {
            "id": f"C-{n:04d}",
            "title": f"Concurrent {n}",
            "price": "2.00 EUR",
            "item_group_id": f"G-{n // 3:04d}",
            "size": str(n % 3),
        }
        for n in range(300)
    ]
    data = feed_text(rows).encode()
    ids = []
    for _ in range(2):
        with shop.work() as session:
            row = imports.start_upload(
                session,
                shop.tenant,
                store_id=shop.store_id,
                language="en",
                policy=ImportPolicy.skip,
                filename="c.tsv",
                source=__import__("io").BytesIO(data),
                send=False,
            )
            ids.append(row.id)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run(import_id):  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            outcomes.append(shop.run(import_id))
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [o["state"] for o in outcomes] == ["succeeded", "succeeded"], outcomes  # type: ignore[index]
    products = shop.products()
    assert len(products) == 100
    assert sum(len(p.variants) for p in products.values()) == 300
    done = [shop.get(i) for i in ids]
    assert sum(d.created_count for d in done) == 300  # each row created once, by one of them
    assert sum(d.created_count + d.updated_count + d.unchanged_count for d in done) == 600
