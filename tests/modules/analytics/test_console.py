"""The analytics console as a tenant admin uses it: the store's report with its figures,
the range form, CSV downloads, the usage page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Browser


@pytest.fixture
def admin(app, shop, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, role="tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser


def test_the_menu_opens_the_store_report_with_its_figures(admin, shop, sold):
    assert "/console/analytics/" in admin.menu()
    page = admin.get(f"/console/analytics/?store={shop.store_id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "€121.20" in html and "€40.40" in html  # sales, average order
    assert 'id="sales-table"' in html and 'id="sales-chart-data"' in html
    assert "Product BEANS" in html.split('id="top-quantity"')[1]
    assert "€8.90" in html.split('id="refunds-table"')[1]
    assert "€527.50" in html.split('id="stock-total"')[1]  # 298.00 + 133.50 + 96.00


def test_a_backwards_range_is_said_and_the_default_shown(admin, shop):
    page = admin.get(f"/console/analytics/?store={shop.store_id}&since=2026-02-01&until=2026-01-01")
    assert page.status_code == 200 and 'id="range-error"' in page.text


def test_the_console_downloads_csv(admin, shop, sold):
    answer = admin.get(f"/console/analytics/export/sales.csv?store={shop.store_id}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.text.splitlines()[0].startswith("period,currency,orders")


def test_the_usage_page_says_what_is_not_measured(admin, shop):
    page = admin.get("/console/analytics/usage")
    assert page.status_code == 200, page.text
    assert "Not measured" in page.text and 'id="ai-calls"' in page.text
