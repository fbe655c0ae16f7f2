"""Invoices: issued once the order is confirmed or paid, numbered per store and year
without gaps (also when issued at once), immutable, rendered as PDF."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from orion.kernel.errors import OrionError
from orion.modules.orders import services
from orion.modules.orders.models import Invoice
from orion.modules.orders.schemas import RefundCreate


def issue(shop, order_id):  # type: ignore[no-untyped-def]
    return shop.call(services.issue_invoice, order_id)


def test_a_pending_order_has_no_invoice_yet(shop):
    order = shop.place(("MUG", 1))
    with pytest.raises(OrionError) as refused:
        issue(shop, order.id)
    assert (refused.value.status, refused.value.code) == (409, "invoice_not_allowed")
    shop.call(services.cancel, order.id)
    with pytest.raises(OrionError):
        issue(shop, order.id)


def test_an_invoice_snapshots_seller_buyer_lines_and_totals(shop):
    order = shop.place(
        ("MUG", 2),
        ("BOOK", 1),
        shipping_total=490,
        billing_address={
            "name": "Clara Customer",
            "line1": "1 Grand-Rue",
            "postal_code": "1660",
            "city": "Luxembourg",
            "country": "LU",
        },
    )
    shop.call(services.confirm, order.id)
    invoice, issued = issue(shop, order.id)
    assert issued
    year = invoice.issued_at.year
    assert invoice.number == f"{shop.store_code}-{year}-00001"
    snapshot = invoice.snapshot
    assert snapshot["seller"]["store_code"] == shop.store_code
    assert snapshot["buyer"]["address"]["city"] == "Luxembourg"
    assert [(line["sku"], line["quantity"], line["line_total"]) for line in snapshot["lines"]] == [
        ("MUG", 2, 2980),
        ("BOOK", 1, 3200),
    ]
    assert snapshot["totals"]["grand_total"] == invoice.grand_total == 2980 + 3200 + 490
    assert sum(g["vat"] for g in snapshot["vat_breakdown"].values()) == invoice.vat_total
    again, issued = issue(shop, order.id)
    assert (again.id, issued) == (invoice.id, False)


def test_numbers_run_per_store(shop, runtime, make_store):
    first = shop.place(("MUG", 1))
    second = shop.place(("MUG", 1))
    for order in (first, second):
        shop.call(services.record_payment, order.id)
    numbers = [issue(shop, o.id)[0].number for o in (second, first)]
    assert [n[-5:] for n in numbers] == ["00001", "00002"]


def test_an_issued_invoice_cannot_be_changed(shop, client, admin_headers):
    order = shop.place(("MUG", 1))
    shop.call(services.confirm, order.id)
    invoice, _ = issue(shop, order.id)
    with pytest.raises(OrionError) as refused, shop.work() as session:
        row = session.get(Invoice, invoice.id)
        row.grand_total = 1
        session.flush()
    assert refused.value.code == "document_immutable"
    path = f"/api/v1/orders/stores/{shop.store_id}/invoices/{invoice.id}"
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(path, headers=admin_headers).status_code == 405
    with shop.work() as session:
        assert session.get(Invoice, invoice.id).grand_total == 1490


def test_the_invoice_pdf_is_a_pdf_with_its_number(shop, client, admin_headers):
    order = shop.place(("MUG", 1), ("TEE-XL", 1), customer_name="Zoë Müller \u2013 \u201cVIP\u201d")
    shop.call(services.record_payment, order.id)
    invoice, _ = issue(shop, order.id)
    response = client.get(
        f"/api/v1/orders/stores/{shop.store_id}/invoices/{invoice.id}/pdf", headers=admin_headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert invoice.number.encode() in response.content


def test_a_credit_note_has_its_own_sequence_and_pdf(shop, client, admin_headers):
    order = shop.place(("MUG", 2))
    shop.call(services.record_payment, order.id)
    invoice, _ = issue(shop, order.id)
    _, note = shop.call(services.refund, order.id, data=RefundCreate(amount=500, reason="late"))
    assert note.number == f"{shop.store_code}-{note.issued_at.year}-00001"
    assert note.invoice_id == invoice.id
    response = client.get(
        f"/api/v1/orders/stores/{shop.store_id}/credit-notes/{note.id}/pdf", headers=admin_headers
    )
    assert response.content.startswith(b"%PDF") and note.number.encode() in response.content
    listed = client.get(
        f"/api/v1/orders/stores/{shop.store_id}/credit-notes", headers=admin_headers
    )
    assert [n["number"] for n in listed.json()["data"]] == [note.number]


@pytest.mark.postgres
def test_invoices_issued_at_once_are_numbered_without_gaps(shop):
    orders = [shop.place(("BOOK", 1)) for _ in range(20)]
    for order in orders:
        shop.call(services.confirm, order.id)
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def issue_one(order_id) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            issue(shop, order_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=issue_one, args=(o.id,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with shop.work() as session:
        numbers = session.scalars(
            select(Invoice.sequence_number).where(Invoice.store_id == shop.store_id)
        ).all()
    assert sorted(numbers) == list(range(1, 21))


@pytest.mark.postgres
def test_one_order_issued_twice_at_once_has_one_invoice(shop):
    order = shop.place(("BOOK", 1))
    shop.call(services.confirm, order.id)
    start = threading.Barrier(5)
    found: list[str] = []

    def issue_one() -> None:
        start.wait()
        found.append(issue(shop, order.id)[0].number)

    threads = [threading.Thread(target=issue_one) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1 and len(found) == 5
