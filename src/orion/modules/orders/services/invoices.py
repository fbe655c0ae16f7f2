"""Invoices and credit notes: numbered gaplessly per store and year, immutable once issued.

A number is taken from the store's `InvoiceSequence` row for (kind, year) with one
`UPDATE ... RETURNING`, which holds the row's lock until the transaction ends: concurrent
issuers wait for each other, a rolled-back one gives its number back, so numbers are
1, 2, 3... in commit order with no gap. The row is created the first time with the
kernel's `insert_or_ignore`. The order's row is locked first (steps on one order are
serialised), then the sequence: always in that order.

The document keeps a snapshot of seller, buyer, lines and totals as they were when it was
issued; the PDF is rendered from that snapshot (services/documents.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import StoreNotFound
from orion.modules.orders.exceptions import InvoiceNotAllowed
from orion.modules.orders.models import CreditNote, Invoice, Order, OrderItem
from orion.modules.orders.repository import (
    CreditNoteRepository,
    InvoiceRepository,
    OrderItemRepository,
    SequenceRepository,
)
from orion.modules.orders.schemas import CreditNotesPublic, InvoicesPublic, OrderState
from orion.modules.orders.services import states
from orion.modules.orders.services.steps import locked_order
from orion.modules.tenancy import services as tenancy

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"


def document_number(store_code: str, year: int, number: int) -> str:
    """`roastery-2026-00001`."""
    return f"{store_code}-{year}-{number:05d}"


def take_number(
    session: Session, tenant: TenantContext, store_id: uuid.UUID, kind: str, moment: datetime
) -> tuple[str, int]:
    store = tenancy.stores.store(session, tenant, store_id)
    if store is None:
        raise StoreNotFound(f"store {store_id} does not exist")
    number = SequenceRepository(session).take(tenant.tenant_id, store_id, kind, moment.year)
    return document_number(store.code, moment.year, number), number


def seller(session: Session, tenant: TenantContext, store_id: uuid.UUID) -> dict[str, Any]:
    store = tenancy.stores.store(session, tenant, store_id)
    assert store is not None
    return {
        "name": tenancy.directory.name_of(session, tenant.tenant_id) or store.name,
        "store": store.name,
        "store_code": store.code,
    }


def with_net(vat: dict[str, Any]) -> dict[str, Any]:
    return {rate: {**group, "net": group["gross"] - group["vat"]} for rate, group in vat.items()}


def order_snapshot(
    session: Session, tenant: TenantContext, order: Order, items: list[OrderItem]
) -> dict[str, Any]:
    return {
        "order_id": str(order.id),
        "order_number": order.number,
        "placed_at": order.placed_at.isoformat(),
        "currency": order.currency,
        "seller": seller(session, tenant, order.store_id),
        "buyer": {
            "name": order.customer_name,
            "email": order.customer_email,
            "address": order.billing_address,
        },
        "lines": [
            {
                "sku": item.sku,
                "title": item.title,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
                "vat_rate": item.vat_rate,
                "line_total": item.line_total,
            }
            for item in items
        ],
        "totals": {
            "items": order.items_total,
            "discount": order.discount_total,
            "shipping": order.shipping_total,
            "shipping_vat_rate": order.shipping_vat_rate,
            "vat": order.vat_total,
            "grand_total": order.grand_total,
            "paid": order.paid_total,
        },
        "vat_breakdown": with_net(order.vat_breakdown),
    }


def issue_invoice(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    actor: str | None = None,
) -> tuple[Invoice, bool]:
    """The order's invoice, issued now if it has none (`True` then): once the order is
    confirmed or paid; a second call answers the same invoice."""
    with acting_for(session, tenant):
        order = locked_order(session, store_id, order_id)
        invoices = InvoiceRepository(session)
        existing = invoices.of_order(order.id)
        if existing is not None:
            return existing, False
        if OrderState(order.state) not in states.INVOICEABLE:
            raise InvoiceNotAllowed(order.state)
        moment = utcnow()
        number, sequence = take_number(session, tenant, store_id, INVOICE, moment)
        items = OrderItemRepository(session).of_order(order.id)
        snapshot = order_snapshot(session, tenant, order, items)
        snapshot.update(number=number, issued_at=moment.isoformat(), kind=INVOICE)
        invoice = Invoice(
            tenant_id=tenant.tenant_id,
            store_id=store_id,
            order_id=order.id,
            number=number,
            year=moment.year,
            sequence_number=sequence,
            currency=order.currency,
            grand_total=order.grand_total,
            vat_total=order.vat_total,
            snapshot=snapshot,
            issued_at=moment,
        )
        invoices.add(invoice)
        states.record(session, order, "invoice_issued", actor=actor, data={"number": number})
        session.flush()
        return invoice, True


def issue_credit_note(
    session: Session,
    tenant: TenantContext,
    order: Order,
    *,
    amount: int,
    vat_breakdown: dict[str, dict[str, int]],
    lines: list[dict[str, Any]],
    reason: str | None,
) -> CreditNote:
    """The credit note of a refund (called by `refund`, the order already locked)."""
    moment = utcnow()
    number, sequence = take_number(session, tenant, order.store_id, CREDIT_NOTE, moment)
    invoice = InvoiceRepository(session).of_order(order.id)
    note = CreditNote(
        tenant_id=tenant.tenant_id,
        store_id=order.store_id,
        order_id=order.id,
        invoice_id=invoice.id if invoice else None,
        number=number,
        year=moment.year,
        sequence_number=sequence,
        currency=order.currency,
        amount=amount,
        vat_total=sum(group["vat"] for group in vat_breakdown.values()),
        reason=reason,
        snapshot={
            "kind": CREDIT_NOTE,
            "number": number,
            "issued_at": moment.isoformat(),
            "order_id": str(order.id),
            "order_number": order.number,
            "invoice_number": invoice.number if invoice else None,
            "currency": order.currency,
            "seller": seller(session, tenant, order.store_id),
            "buyer": {
                "name": order.customer_name,
                "email": order.customer_email,
                "address": order.billing_address,
            },
            "lines": lines,
            "amount": amount,
            "reason": reason,
            "vat_breakdown": with_net(vat_breakdown),
        },
        issued_at=moment,
    )
    CreditNoteRepository(session).add(note)
    return note


# -- reading ------------------------------------------------------------------------------


def get_invoice(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, invoice_id: uuid.UUID
) -> Invoice:
    with acting_for(session, tenant):
        return InvoiceRepository(session).of_store(store_id, invoice_id)


def order_invoice(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, order_id: uuid.UUID
) -> Invoice | None:
    with acting_for(session, tenant):
        invoice = InvoiceRepository(session).of_order(order_id)
        return invoice if invoice is not None and invoice.store_id == store_id else None


def invoices_listing(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> InvoicesPublic:
    """The store's invoices, newest first."""
    with acting_for(session, tenant):
        invoices = InvoiceRepository(session)
        return invoices.listing(
            InvoicesPublic,
            invoices.of_store_query(store_id),
            page,
            Invoice.issued_at.desc(),
            Invoice.sequence_number.desc(),
        )


def get_credit_note(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, credit_note_id: uuid.UUID
) -> CreditNote:
    with acting_for(session, tenant):
        return CreditNoteRepository(session).of_store(store_id, credit_note_id)


def credit_notes_listing(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> CreditNotesPublic:
    with acting_for(session, tenant):
        notes = CreditNoteRepository(session)
        return notes.listing(
            CreditNotesPublic,
            notes.of_store_query(store_id),
            page,
            CreditNote.issued_at.desc(),
            CreditNote.sequence_number.desc(),
        )


def order_credit_notes(
    session: Session, tenant: TenantContext, *, order_id: uuid.UUID
) -> list[CreditNote]:
    with acting_for(session, tenant):
        return CreditNoteRepository(session).of_order(order_id)
