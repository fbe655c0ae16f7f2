"""A merchant's day in the console, in Chromium against `orion serve --demo`: find a
product, edit it and its variants, see its stock per location, receive stock, follow an
order from confirmation to its invoice PDF."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import shot, sign_in

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def test_a_merchant_finds_and_edits_a_product_and_its_stock(new_page):
    page = new_page(width=1366)
    sign_in(page, "admin@acme.test")
    page.click("#menu >> text=Products")
    page.fill("#f-q", "espresso")
    page.click("#filters button[type=submit]")
    rows = page.locator("#products tbody tr")
    assert rows.count() >= 1
    assert "Espresso" in page.inner_text("#products")
    shot(page, "commerce-products-search")

    page.click("#products >> text=Espresso beans 1 kg")
    page.wait_for_selector("#product-form")
    page.fill("#f-title_en", "Espresso beans 1 kg (new roast)")
    page.fill("#f-price", "26,90")
    page.click("#save-product")
    page.wait_for_load_state()
    shot(page, "commerce-product-saved")
    assert page.locator(".error").count() == 0, page.inner_text("main")
    page.wait_for_selector("h1:has-text('Espresso beans 1 kg (new roast)')")
    assert page.input_value("#f-price") == "26.90"
    assert re.search(r"Available:\s+\d+", page.inner_text("#stock"))
    shot(page, "commerce-product-editor")

    page.click("#stock-link")
    page.wait_for_selector("#stock")
    assert "BEANS-ESP-1KG" in page.inner_text("#stock")
    shot(page, "commerce-stock-of-one-product")
    page.fill("#receive-form #f-sku", "ROASTERY-BEANS-ESP-1KG")
    page.fill("#receive-form #f-quantity", "12")
    page.click("#receive-form button[type=submit]")
    page.wait_for_selector(".flash")
    page.click("text=Movements")
    page.wait_for_selector("#movements")
    assert "receive" in page.inner_text("#movements")
    shot(page, "commerce-movements")

    page.click("#menu >> text=Products")
    page.locator("#products tbody input[name=ids]").first.check()
    page.select_option("#bulk-form select[name=action]", "adjust_price")
    page.fill("#bulk-form input[name=percent]", "10")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector(".flash")
    shot(page, "commerce-bulk-price")


def test_a_product_with_variants_shows_each_with_its_own_sku(new_page):
    page = new_page(width=1366)
    sign_in(page, "admin@acme.test")
    page.click("#menu >> text=Products")
    page.fill("#f-q", "T-shirt")
    page.click("#filters button[type=submit]")
    page.click("#products >> text=Barista T-shirt")
    page.wait_for_selector("#variants")
    variants = page.locator("#variants input[name=sku]")
    skus = {variants.nth(i).input_value() for i in range(variants.count())}
    assert {"ROASTERY-TEE-BARISTA-M", "ROASTERY-TEE-BARISTA-XL"} <= skus
    shot(page, "commerce-variants")


def test_an_order_goes_from_confirmation_to_its_invoice_pdf(new_page, server):
    page = new_page(width=1366)
    sign_in(page, "admin@acme.test")
    page.click("#menu >> text=Orders")
    page.select_option("#f-state", "confirmed")
    page.click("#order-filters button[type=submit]")
    page.wait_for_load_state()
    shot(page, "commerce-orders-confirmed")
    page.locator("#orders tbody tr a").first.click()
    page.wait_for_load_state()
    shot(page, "commerce-order-opened")
    page.wait_for_selector("#timeline")
    assert "placed" in page.inner_text("#timeline")

    page.click("#pay-form button[type=submit]")
    page.wait_for_selector("text=Payment recorded.")
    assert "paid" in page.inner_text("#order-state")
    page.fill("#fulfil-form #f-carrier", "POST Luxembourg")
    page.fill("#fulfil-form #f-tracking_number", "LU123456789")
    page.click("#fulfil-form button[type=submit]")
    page.wait_for_selector("text=Shipment recorded.")
    assert "LU123456789" in page.inner_text("#fulfillments")
    page.click("#invoice-form button[type=submit]")
    page.wait_for_selector("#invoice-pdf")
    shot(page, "commerce-order")

    pdf = page.request.get(page.get_attribute("#invoice-pdf", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    number = page.inner_text("#invoice-pdf").split(" ")[0]

    page.click("#menu >> text=Orders")
    page.click("#invoices-link")
    page.wait_for_selector("#invoices")
    assert number in page.inner_text("#invoices")
    shot(page, "commerce-invoices")
