"""Orders console pages, per store (`?store=<id>`, the switcher of `ConsoleStore`):

* `/console/orders/`: the store's orders, filtered by state, date and number/email, in pages;
* `/console/orders/{id}`: one order: items, totals, timeline, shipments, documents and the
  steps it allows as forms (confirm, record payment, ship, complete, cancel, refund,
  invoice);
* `/console/orders/invoices`: the store's invoices and credit notes, with their PDFs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from orion.kernel.data.money import amount_text, parse_amount
from orion.kernel.data.paging import Page
from orion.kernel.errors import FieldError, NotFound, ValidationFailed
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, PageContext
from orion.kernel.web.console.shell import StoreChoice
from orion.kernel.web.dependencies import SessionDep
from orion.modules.orders import services
from orion.modules.orders.schemas import (
    CancelCreate,
    FulfillmentCreate,
    OrderState,
    RefundCreate,
)

pages = APIRouter()  # /console/orders/...

LIMIT = 25
STATES = [state.value for state in OrderState]


def _store(choice: StoreChoice) -> Any:
    if choice.store is None:
        raise NotFound("this tenant has no store yet")
    return choice.store


def _url(path: str, choice: StoreChoice, **params: Any) -> str:
    query = {"store": str(choice.store.id)} if choice.store else {}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"/console/orders{path}" + (f"?{urlencode(query)}" if query else "")


# -- the list ----------------------------------------------------------------------------------


@pages.get("/")
def orders(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    state: Annotated[OrderState | None, Query()] = None,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query(description="The last day shown")] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page.require("orders.read")
    filters = {
        "state": state.value if state else "",
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
        "search": search or "",
    }
    listing = None
    if choice.store is not None:
        listing = services.orders_listing(
            session,
            page.tenant,
            store_id=choice.store.id,
            filters=services.OrderFilters(
                state=filters["state"] or None,
                since=datetime.combine(since, time(), UTC) if since else None,
                until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
                search=search or None,
            ),
            page=Page(limit=LIMIT, offset=offset),
        )
    return page.render(
        "orders/console/orders.html",
        choice=choice,
        orders=listing.data if listing else [],
        count=listing.count if listing else 0,
        offset=offset,
        limit=LIMIT,
        filters=filters,
        states=STATES,
        base=_url("/", choice, **filters) + ("&" if choice.store or any(filters.values()) else "?"),
        url=lambda path, **params: _url(path, choice, **params),
    )


# -- one order ---------------------------------------------------------------------------------


def _order_context(
    page: PageContext, session: Session, choice: StoreChoice, order_id: uuid.UUID
) -> dict[str, Any]:
    store = _store(choice)
    tenant = page.tenant
    order = services.get_order(session, tenant, store_id=store.id, order_id=order_id)
    return {
        "choice": choice,
        "order": order,
        "items": services.order_items(session, tenant, order_id=order.id),
        "timeline": services.order_events(session, tenant, order_id=order.id),
        "fulfillments": services.order_fulfillments(session, tenant, order_id=order.id),
        "invoice": services.order_invoice(session, tenant, store_id=store.id, order_id=order.id),
        "credit_notes": services.order_credit_notes(session, tenant, order_id=order.id),
        "can_move": lambda to: services.allowed(order.state, to),
        "outstanding": amount_text(order.grand_total - order.paid_total, order.currency),
        "refundable": order.paid_total - order.refunded_total,
        "refundable_text": amount_text(order.paid_total - order.refunded_total, order.currency),
        "url": lambda path, **params: _url(path, choice, **params),
    }


order_page = FormPage("orders/console/order.html")


@pages.get("/{order_id}")
def order(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, order_id: uuid.UUID
) -> HTMLResponse:
    page.require("orders.read")
    return order_page.show(page, session, **_order_context(page, session, choice, order_id))


class ShipForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=200)


class PaymentForm(BaseModel):
    """Amounts as people type them: in the currency's units ("29.80"), not cents."""

    model_config = ConfigDict(str_strip_whitespace=True)

    amount: str | None = Field(default=None, max_length=40)
    reference: str | None = Field(default=None, max_length=200)


class RefundForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    amount: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=500)


def _minor(text: str | None, choice: StoreChoice, *, label: str) -> int | None:
    """A typed amount as minor units; a 422 naming the field in words when it is not one."""
    if text is None:
        return None
    try:
        return parse_amount(text, _store(choice).currency)
    except ValueError as why:
        raise ValidationFailed(
            f"{label} {why}", errors=[FieldError("amount", f"{label} {why}.")]
        ) from None


def _step(
    page: PageContext,
    session: Session,
    choice: StoreChoice,
    order_id: uuid.UUID,
    form: dict[str, str],
    schema: type[BaseModel] | None,
    action: Any,
    message: str,
) -> Response:
    return order_page.submit(
        page,
        session,
        form,
        schema,
        action,
        done=_url(f"/{order_id}", choice),
        message=message,
        shown=lambda: _order_context(page, session, choice, order_id),
    )


def _ids(page: PageContext, choice: StoreChoice, order_id: uuid.UUID) -> dict[str, Any]:
    return {"store_id": _store(choice).id, "order_id": order_id, "actor": page.principal.subject}


@pages.post("/{order_id}/confirm")
def confirm(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    order_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("orders.manage")
    ids = _ids(page, choice, order_id)
    return _step(
        page,
        session,
        choice,
        order_id,
        form,
        None,
        lambda: services.confirm(session, page.tenant, **ids),
        "Order confirmed.",
    )


@pages.post("/{order_id}/pay")
def pay(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    order_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("orders.manage")
    ids = _ids(page, choice, order_id)
    return _step(
        page,
        session,
        choice,
        order_id,
        form,
        PaymentForm,
        lambda data: services.record_payment(
            session,
            page.tenant,
            **ids,
            amount=_minor(data.amount, choice, label="Amount received"),
            reference=data.reference,
        ),
        "Payment recorded.",
    )


@pages.post("/{order_id}/fulfil")
def fulfil(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    order_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("orders.manage")
    ids = _ids(page, choice, order_id)
    return _step(
        page,
        session,
        choice,
        order_id,
        form,
        ShipForm,
        lambda data: services.create_fulfillment(
            session,
            page.tenant,
            **ids,
            data=FulfillmentCreate(carrier=data.carrier, tracking_number=data.tracking_number),
        ),
        "Shipment recorded.",
    )


@pages.post("/{order_id}/complete")
def complete(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    order_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("orders.manage")
    ids = _ids(page, choice, order_id)
    return _step(
        page,
        session,
        choice,
        order_id,
        form,
        None,
        lambda: services.complete(session, page.tenant, **ids),
        "Order completed.",
    )


@pages.post("/{order_id}/cancel")
def cancel(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    order_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("orders.manage")
    ids = _ids(page, choice, order_id)
    return _step(
        page,
        session,
        choice,
        order_id,
        form,
        CancelCreate,
        lambda data: services.cancel(session, page.tenant, **ids, reason=data.reason),
        "Order canceled; its stock is released.",
    )


@pages.post("/{order_id}/refund")
def refund(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    order_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("orders.refund")
    ids = _ids(page, choice, order_id)
    return _step(
        page,
        session,
        choice,
        order_id,
        form,
        RefundForm,
        lambda data: services.refund(
            session,
            page.tenant,
            **ids,
            data=RefundCreate(
                amount=_minor(data.amount, choice, label="Refund"), reason=data.reason
            ),
        ),
        "Refund recorded, with its credit note.",
    )


@pages.post("/{order_id}/invoice")
def invoice(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    order_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("orders.manage")
    ids = _ids(page, choice, order_id)
    return _step(
        page,
        session,
        choice,
        order_id,
        form,
        None,
        lambda: services.issue_invoice(session, page.tenant, **ids),
        "Invoice issued.",
    )


# -- documents ---------------------------------------------------------------------------------


@pages.get("/invoices/")
def invoices(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page.require("orders.read")
    listing = notes = None
    if choice.store is not None:
        listing = services.invoices_listing(
            session, page.tenant, store_id=choice.store.id, page=Page(limit=LIMIT, offset=offset)
        )
        notes = services.credit_notes_listing(
            session, page.tenant, store_id=choice.store.id, page=Page(limit=LIMIT)
        )
    return page.render(
        "orders/console/invoices.html",
        choice=choice,
        invoices=listing.data if listing else [],
        count=listing.count if listing else 0,
        credit_notes=notes.data if notes else [],
        offset=offset,
        limit=LIMIT,
        base=_url("/invoices/", choice) + ("&" if choice.store else "?"),
        url=lambda path, **params: _url(path, choice, **params),
    )


def _pdf(snapshot: dict[str, Any], number: str) -> Response:
    return Response(
        services.render_pdf(snapshot),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{number}.pdf"'},
    )


@pages.get("/invoices/{invoice_id}/pdf")
def invoice_pdf(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, invoice_id: uuid.UUID
) -> Response:
    page.require("orders.read")
    found = services.get_invoice(
        session, page.tenant, store_id=_store(choice).id, invoice_id=invoice_id
    )
    return _pdf(found.snapshot, found.number)


@pages.get("/credit-notes/{credit_note_id}/pdf")
def credit_note_pdf(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, credit_note_id: uuid.UUID
) -> Response:
    page.require("orders.read")
    note = services.get_credit_note(
        session, page.tenant, store_id=_store(choice).id, credit_note_id=credit_note_id
    )
    return _pdf(note.snapshot, note.number)
