"""The analytics routes: reports per store with date ranges (422 naming the field), CSV
downloads with a header row, another tenant's store is 404, the tenant's usage, the
nightly refresh through a real worker."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from orion.kernel.data.db import utcnow
from orion.modules.analytics import services
from orion.modules.analytics.schemas import Granularity


def test_sales_per_day_through_the_api(client, shop, sold, admin_headers):
    today = utcnow().date()
    since = (today - timedelta(days=6)).isoformat()
    answer = client.get(shop.api(f"/sales?since={since}"), headers=admin_headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [p["gross"] for p in body["points"]] == [6180, 2670, 3270]
    assert body["totals"][0]["orders"] == 3 and body["totals"][0]["average_order_value"] == 4040


def test_bad_ranges_are_422_naming_the_field(client, shop, admin_headers):
    backwards = client.get(
        shop.api("/sales?since=2026-02-01&until=2026-01-01"), headers=admin_headers
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "until"
    for query, field in (("since=yesterday", "since"), ("granularity=hour", "granularity")):
        answer = client.get(shop.api(f"/sales?{query}"), headers=admin_headers)
        assert answer.status_code == 422, answer.text
        assert field in answer.text


def test_each_report_downloads_as_csv(client, shop, sold, admin_headers):
    sales = client.get(shop.api("/sales.csv"), headers=admin_headers)
    assert sales.status_code == 200 and sales.headers["content-type"].startswith("text/csv")
    assert "attachment" in sales.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(sales.text)))
    assert rows[0] == ["period", "currency", "orders", "gross", "vat", "net", "average_order_value"]
    assert [row[3] for row in rows[1:]] == ["6180", "2670", "3270"]
    top = list(csv.reader(io.StringIO(client.get(shop.api("/top-items.csv?by=revenue"),
                                                 headers=admin_headers).text)))  # fmt: skip
    assert top[0][0] == "sku" and [row[0] for row in top[1:]] == ["MUG", "BEANS", "BOOK"]
    refunds = client.get(shop.api("/refunds.csv"), headers=admin_headers).text.splitlines()
    assert refunds[0] == "period,currency,credit_notes,amount,vat" and ",890," in refunds[1]
    stock = list(csv.reader(io.StringIO(client.get(shop.api("/stock-value.csv"),
                                                   headers=admin_headers).text)))  # fmt: skip
    assert stock[0][:2] == ["location", "sku"] and len(stock) == 1 + 4
    usage = client.get("/api/v1/analytics/usage.csv", headers=admin_headers)
    assert usage.status_code == 200 and usage.text.startswith("period,ai_calls")


def test_another_tenants_store_is_not_found(client, shop, make_tenant, make_store, admin_headers):
    other = make_store(make_tenant(), name="Elsewhere", code="elsewhere")
    answer = client.get(f"/api/v1/analytics/stores/{other.id}/sales", headers=admin_headers)
    assert answer.status_code == 404 and answer.json()["code"] == "store_not_found"


def test_stock_value_and_usage_through_the_api(client, shop, sold, admin_headers):
    stock = client.get(shop.api("/stock-value"), headers=admin_headers).json()
    assert stock["value"] == 20 * 1490 + 15 * 890 + 3 * 3200 and stock["currency"] == "EUR"
    usage = client.get("/api/v1/analytics/usage", headers=admin_headers)
    assert usage.status_code == 200
    other = {f["name"]: f for f in usage.json()["other"]}
    assert other["api_calls"]["value"] is None and "Not measured" in other["api_calls"]["note"]
    assert other["storage"]["value"] is None and other["imports"]["value"] is None
    assert other["emails_sent"]["value"] >= 0


def test_the_refresh_task_rolls_up_the_past_days_once_run_by_the_worker(runtime, shop, sold,
                                                                         worker):  # fmt: skip
    results = [
        runtime.send_task(
            "analytics.refresh_rollups", kwargs={"tenant_id": str(shop.tenant.tenant_id)}
        ).get(timeout=30)
        for _ in range(2)
    ]
    assert results == [2, 2]
    with shop.work() as session:
        span = services.report_range(None, None, Granularity.DAY)
        sales = services.sales_report(session, shop.tenant, store_id=shop.store_id, span=span)
    # (the canceled order's handler may run on the worker meanwhile: it only moves the mark back)
    assert sales.live_since <= utcnow().date() and sales.totals[0].gross == 12120
    assert [p.gross for p in sales.points] == [6180, 2670, 3270]
