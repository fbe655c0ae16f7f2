"""Customers console pages, per store (`?store=<id>`, the switcher of `ConsoleStore`):

* `/console/customers/`: the store's customers, searched by email or name, in pages, and
  a form adding one (without a password: it sets one through a password reset);
* `/console/customers/{id}`: one customer: its details (editable), addresses (add,
  make default, remove), its orders (from the orders module's part of its export, when
  that module holds some) and the actions: deactivate or activate, export (JSON), erase.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.errors import NotFound
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, PageContext
from orion.kernel.web.console.shell import StoreChoice
from orion.kernel.web.dependencies import SessionDep
from orion.modules.customers import services
from orion.modules.customers.schemas import (
    AddressCreate,
    AddressKind,
    AddressUpdate,
    CustomerCreate,
    CustomerUpdate,
    EmailAddress,
    Name,
    Phone,
)

pages = APIRouter()  # /console/customers/...

LIMIT = 25
ORDERS = "orders"


def _store(choice: StoreChoice) -> Any:
    if choice.store is None:
        raise NotFound("this tenant has no store yet")
    return choice.store


def _url(path: str, choice: StoreChoice, **params: Any) -> str:
    query = {"store": str(choice.store.id)} if choice.store else {}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"/console/customers{path}" + (f"?{urlencode(query)}" if query else "")


# -- the list ----------------------------------------------------------------------------------


def _list_context(
    page: PageContext, session: Session, choice: StoreChoice, search: str | None, offset: int
) -> dict[str, Any]:
    listing = None
    if choice.store is not None:
        listing = services.customers_listing(
            session,
            page.tenant,
            store_id=choice.store.id,
            page=Page(limit=LIMIT, offset=offset),
            search=search or None,
        )
    return {
        "choice": choice,
        "customers": listing.data if listing else [],
        "count": listing.count if listing else 0,
        "offset": offset,
        "limit": LIMIT,
        "search": search or "",
        "base": _url("/", choice, search=search) + ("&" if choice.store or search else "?"),
        "url": lambda path, **params: _url(path, choice, **params),
    }


customers_page = FormPage("customers/console/customers.html")


@pages.get("/")
def customers(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    search: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page.require("customers.read")
    return customers_page.show(
        page, session, **_list_context(page, session, choice, search, offset)
    )


@pages.post("/")
def create_customer(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require("customers.manage")
    store = _store(choice)
    return customers_page.submit(
        page,
        session,
        {**form, "marketing_consent": "marketing_consent" in form},
        CustomerCreate,
        lambda data: services.create_customer(session, page.tenant, store_id=store.id, data=data),
        done=lambda customer: _url(f"/{customer.id}", choice),
        message=lambda customer: f"Customer {customer.email} added.",
        shown=lambda: _list_context(page, session, choice, None, 0),
    )


# -- one customer ------------------------------------------------------------------------------


def _customer_context(
    page: PageContext, session: Session, choice: StoreChoice, customer_id: uuid.UUID
) -> dict[str, Any]:
    store = _store(choice)
    customer = services.customer_detail(
        session, page.tenant, store_id=store.id, customer_id=customer_id
    )
    orders = None
    if customer.erased_at is None and page.can("orders.read"):
        export = services.export_customer(
            session, page.tenant, store_id=store.id, customer_id=customer_id
        )
        orders = _orders_of(export.sections.get(ORDERS))
    return {
        "choice": choice,
        "customer": customer,
        "orders": orders,
        "orders_url": "/console/orders/?"
        + urlencode({"store": str(store.id), "search": customer.email}),
        "kinds": [(kind.value, kind.value.capitalize()) for kind in AddressKind],
        "url": lambda path, **params: _url(path, choice, **params),
    }


def _orders_of(section: Any) -> list[dict[str, Any]] | None:
    """The orders in the orders module's export section (a list of orders, or a mapping
    with one under `orders`); None when it holds none in a shape this page can show."""
    rows = section.get(ORDERS) if isinstance(section, dict) else section
    if not isinstance(rows, list):
        return None
    return [row for row in rows if isinstance(row, dict)]


customer_page = FormPage("customers/console/customer.html")


@pages.get("/{customer_id}")
def customer(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, customer_id: uuid.UUID
) -> HTMLResponse:
    page.require("customers.read")
    return customer_page.show(
        page, session, **_customer_context(page, session, choice, customer_id)
    )


class CustomerForm(BaseModel):
    """The details form: a field left empty clears it, an unticked box withdraws consent."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    email: EmailAddress
    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    marketing_consent: bool = False


class ErasureConfirmed(BaseModel):
    """The erase form's box, ticked: erasure cannot be undone."""

    confirm: str


def _step(
    page: PageContext,
    session: Session,
    choice: StoreChoice,
    customer_id: uuid.UUID,
    form: dict[str, Any],
    schema: type[BaseModel] | None,
    action: Any,
    message: str,
    done: str | None = None,
) -> Response:
    return customer_page.submit(
        page,
        session,
        form,
        schema,
        action,
        done=done or _url(f"/{customer_id}", choice),
        message=message,
        shown=lambda: _customer_context(page, session, choice, customer_id),
    )


@pages.post("/{customer_id}")
def update_customer(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    customer_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("customers.manage")
    store = _store(choice)

    def save(data: CustomerForm) -> Any:
        changes = CustomerUpdate.model_validate(data.model_dump())
        return services.update_customer(
            session, page.tenant, store_id=store.id, customer_id=customer_id, data=changes
        )

    values = {**form, "marketing_consent": "marketing_consent" in form}
    return _step(page, session, choice, customer_id, values, CustomerForm, save, "Saved.")


@pages.post("/{customer_id}/deactivate")
def deactivate(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, customer_id: uuid.UUID
) -> Response:
    page.require("customers.manage")
    store = _store(choice)
    return _step(
        page,
        session,
        choice,
        customer_id,
        {},
        None,
        lambda: services.deactivate_customer(
            session, page.tenant, store_id=store.id, customer_id=customer_id
        ),
        "Deactivated: the customer is signed out and can no longer sign in.",
    )


@pages.post("/{customer_id}/activate")
def activate(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, customer_id: uuid.UUID
) -> Response:
    page.require("customers.manage")
    store = _store(choice)
    return _step(
        page,
        session,
        choice,
        customer_id,
        {},
        None,
        lambda: services.activate_customer(
            session, page.tenant, store_id=store.id, customer_id=customer_id
        ),
        "Activated.",
    )


@pages.get("/{customer_id}/export")
def export(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, customer_id: uuid.UUID
) -> Response:
    page.require("customers.manage")
    store = _store(choice)
    data = services.export_customer(
        session, page.tenant, store_id=store.id, customer_id=customer_id
    )
    return JSONResponse(
        data.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@pages.post("/{customer_id}/erase")
def erase(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    customer_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("customers.manage")
    store = _store(choice)

    def run(data: ErasureConfirmed) -> Any:
        return services.erase_customer(
            session, page.tenant, store_id=store.id, customer_id=customer_id
        )

    return _step(
        page,
        session,
        choice,
        customer_id,
        form,
        ErasureConfirmed,
        run,
        "Erased: the customer's personal data is gone; its orders keep their amounts.",
    )


# -- addresses ---------------------------------------------------------------------------------


@pages.post("/{customer_id}/addresses")
def add_address(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    customer_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require("customers.manage")
    store = _store(choice)
    return _step(
        page,
        session,
        choice,
        customer_id,
        {**form, "is_default": "is_default" in form},
        AddressCreate,
        lambda data: services.add_address(
            session, page.tenant, store_id=store.id, customer_id=customer_id, data=data
        ),
        "Address added.",
    )


@pages.post("/{customer_id}/addresses/{address_id}/default")
def make_default(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
) -> Response:
    page.require("customers.manage")
    store = _store(choice)
    return _step(
        page,
        session,
        choice,
        customer_id,
        {},
        None,
        lambda: services.update_address(
            session,
            page.tenant,
            store_id=store.id,
            customer_id=customer_id,
            address_id=address_id,
            data=AddressUpdate(is_default=True),
        ),
        "Default address changed.",
    )


@pages.post("/{customer_id}/addresses/{address_id}/delete")
def delete_address(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
) -> Response:
    page.require("customers.manage")
    store = _store(choice)
    return _step(
        page,
        session,
        choice,
        customer_id,
        {},
        None,
        lambda: services.delete_address(
            session, page.tenant, store_id=store.id, customer_id=customer_id, address_id=address_id
        ),
        "Address removed.",
    )
