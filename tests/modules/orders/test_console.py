"""The orders console as a tenant admin uses it: the list with its filters, an order's
page with its steps as forms, the invoices page and the PDFs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.modules.orders import services
from tests.console.conftest import Browser, errors_in


@pytest.fixture
def admin(app, shop, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, role="tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser


def test_the_menu_opens_the_orders_of_the_store(admin, shop):
    assert "/console/orders/" in admin.menu()
    first = shop.place(("MUG", 1), customer_email="first@example.com")
    second = shop.place(("BOOK", 2), customer_email="second@example.com")
    shop.call(services.cancel, second.id)
    page = admin.get(f"/console/orders/?store={shop.store_id}")
    assert page.status_code == 200
    assert first.number in page.text and second.number in page.text
    assert "€64.00" in page.text  # 2 x 32.00
    canceled = admin.get(f"/console/orders/?store={shop.store_id}&state=canceled").text
    assert second.number in canceled and first.number not in canceled
    searched = admin.get(f"/console/orders/?store={shop.store_id}&search=first@").text
    assert first.number in searched and second.number not in searched
    today = first.placed_at.date().isoformat()
    dated = admin.get(f"/console/orders/?store={shop.store_id}&since={today}&until={today}").text
    assert first.number in dated
    past = admin.get(f"/console/orders/?store={shop.store_id}&until=2000-01-01").text
    assert first.number not in past and "No order matches." in past


def test_the_list_pages(admin, shop):
    orders = [shop.place(("BEANS", 1)) for _ in range(27)]
    page = admin.get(f"/console/orders/?store={shop.store_id}").text
    assert "1\u201325 of 27" in page
    assert orders[0].number not in page
    second = admin.get(f"/console/orders/?store={shop.store_id}&offset=25").text
    assert orders[0].number in second and orders[26].number not in second


def test_an_order_goes_through_its_steps_from_its_page(admin, shop):
    order = shop.place(("MUG", 2), customer_name="Carla Client")
    url = f"/console/orders/{order.id}?store={shop.store_id}"
    page = admin.get(url)
    assert "Carla Client" in page.text and 'id="confirm-form"' in page.text
    assert 'id="complete-form"' not in page.text

    assert (
        admin.post(f"/console/orders/{order.id}/confirm?store={shop.store_id}").status_code == 303
    )
    admin.get(url)
    too_much = admin.post(
        f"/console/orders/{order.id}/pay?store={shop.store_id}", {"amount": "999.99"}
    )
    assert too_much.status_code == 422
    assert "amount" in errors_in(too_much.text)
    admin.get(url)
    cents = admin.post(
        f"/console/orders/{order.id}/pay?store={shop.store_id}", {"amount": "29.805"}
    )
    assert cents.status_code == 422
    assert errors_in(cents.text)["amount"] == (
        "Amount received has at most 2 decimals in EUR: 29.805 has more."
    )
    assert 'value="29.805"' in cents.text  # what was typed stays
    admin.get(url)
    assert (
        admin.post(
            f"/console/orders/{order.id}/pay?store={shop.store_id}", {"amount": "29,80"}
        ).status_code
        == 303
    )
    admin.get(url)
    shipped = admin.post(
        f"/console/orders/{order.id}/fulfil?store={shop.store_id}",
        {"carrier": "POST", "tracking_number": "LU999"},
    )
    assert shipped.status_code == 303
    admin.get(url)
    assert (
        admin.post(f"/console/orders/{order.id}/invoice?store={shop.store_id}").status_code == 303
    )
    admin.get(url)
    assert (
        admin.post(
            f"/console/orders/{order.id}/refund?store={shop.store_id}",
            {"amount": "5.00", "reason": "scratch"},
        ).status_code
        == 303
    )
    page = admin.get(url).text
    assert 'id="order-state">partially refunded' in page
    assert "LU999" in page
    timeline = page.split('id="timeline"', 1)[1]
    for step in (
        "placed",
        "confirmed",
        "paid",
        "fulfillment created",
        "invoice issued",
        "refunded",
    ):
        assert step in timeline
    pdf_links = re.findall(
        r'href="(/console/orders/(?:invoices|credit-notes)/[^"]+/pdf[^"]*)"', page
    )
    assert len(pdf_links) == 2
    for link in pdf_links:
        pdf = admin.get(link.replace("&amp;", "&"))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_refused_step_is_shown_on_the_page(admin, shop):
    order = shop.place(("MUG", 1))
    shop.call(services.cancel, order.id)
    admin.get(f"/console/orders/{order.id}?store={shop.store_id}")
    refused = admin.post(f"/console/orders/{order.id}/confirm?store={shop.store_id}")
    assert refused.status_code == 422
    assert "cannot move to" in refused.text


def test_the_invoices_page_lists_documents_with_downloads(admin, shop):
    order = shop.place(("BOOK", 1))
    shop.call(services.record_payment, order.id)
    invoice, _ = shop.call(services.issue_invoice, order.id)
    page = admin.get(f"/console/orders/invoices/?store={shop.store_id}")
    assert page.status_code == 200
    assert invoice.number in page.text
    assert f"/console/orders/invoices/{invoice.id}/pdf" in page.text


def test_staff_see_no_refund_form(app, shop, make_member):
    user, password = make_member(shop.tenant, role="staff")
    order = shop.place(("MUG", 1))
    shop.call(services.record_payment, order.id)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        page = browser.get(f"/console/orders/{order.id}?store={shop.store_id}").text
        assert 'id="fulfil-form"' in page and 'id="refund-form"' not in page
        refused = browser.post(
            f"/console/orders/{order.id}/refund?store={shop.store_id}", {"amount": "1"}
        )
        assert refused.status_code == 403


def test_an_order_shipped_to_an_address_without_a_second_line_shows_it(admin, shop):
    address = {
        "name": "Lea Lux",
        "line1": "1 rue du Marché",
        "postal_code": "1611",
        "city": "Luxembourg",
        "country": "LU",
    }
    order = shop.place(("MUG", 1), shipping_address=address)
    page = admin.get(f"/console/orders/{order.id}?store={shop.store_id}")
    assert page.status_code == 200
    assert "1 rue du Marché" in page.text and "1611 Luxembourg LU" in page.text


def test_an_empty_filter_field_means_no_filter(admin, shop):
    shop.place(("MUG", 1))
    listed = admin.get(f"/console/orders/?store={shop.store_id}&state=&since=&until=&search=")
    assert listed.status_code == 200
    assert 'id="orders"' in listed.text
