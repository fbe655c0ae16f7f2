"""Console pages of inventory, per store (`?store=<id>`, the switcher): the stock table
(each item's stock per location, low and sold-out marked) with forms to receive and
adjust; the movements (the ledger); the locations.

Mounted under /console/inventory/ for members of tenants that have the module on.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Keyset, Page
from orion.kernel.errors import FieldError, NotFound, ValidationFailed
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, StoreChoice
from orion.kernel.web.dependencies import SessionDep
from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import ItemQuery
from orion.modules.inventory import services
from orion.modules.inventory.schemas import (
    AdjustmentCreate,
    AdjustmentMode,
    LocationCreate,
    LocationUpdate,
    ReceiptCreate,
    TransactionKind,
)

pages = APIRouter()  # /console/inventory/...

HOME = "/console/inventory/"
ROWS = 500

stock_page = FormPage("inventory/console/stock.html")
movements_page = FormPage("inventory/console/movements.html")
locations_page = FormPage("inventory/console/locations.html")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class ReceiveForm(BaseModel):
    location_id: uuid.UUID
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=10**9)
    reason: str | None = Field(default=None, max_length=500)

    _blank = field_validator("reason", mode="before")(_blank_is_none)


class AdjustForm(BaseModel):
    location_id: uuid.UUID
    sku: str = Field(min_length=1, max_length=64)
    mode: AdjustmentMode = AdjustmentMode.DELTA
    quantity: int = Field(ge=-(10**9), le=10**9)
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("quantity")
    @classmethod
    def _fits_the_mode(cls, quantity: int, info: ValidationInfo) -> int:
        if info.data.get("mode") == AdjustmentMode.SET and quantity < 0:
            raise ValueError("a count cannot be negative")
        if info.data.get("mode") == AdjustmentMode.DELTA and quantity == 0:
            raise ValueError("an adjustment moves a non-zero quantity")
        return quantity


def _store_or_none(choice: StoreChoice) -> uuid.UUID | None:
    return choice.store.id if choice.store else None


def _link(choice: StoreChoice, path: str = HOME) -> str:
    query = choice.query()
    return f"{path}?{query}" if query else path


def _item_of(
    session: Session, page: Any, store_id: uuid.UUID, sku: str
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The product (and variant) a typed SKU names, drafts included; 422 naming `sku`."""
    sku = sku.strip()
    found = catalog.items_page(
        session, page.tenant, store_id=store_id, filters=ItemQuery(q=sku), page=Page(limit=50)
    ).data
    for item in found:
        if item.sku.casefold() == sku.casefold():
            if item.variants:
                raise ValidationFailed(
                    "the product is stocked per variant",
                    errors=[FieldError("sku", f"{sku} has variants: give a variant's SKU")],
                )
            return item.id, None
        for variant in item.variants:
            if variant.sku.casefold() == sku.casefold():
                return item.id, variant.id
    raise ValidationFailed(
        f"no product has SKU {sku}", errors=[FieldError("sku", f"no product has SKU {sku}")]
    )


# -- stock -------------------------------------------------------------------------------------


def _stock(
    session: Session, page: Any, choice: StoreChoice, product: uuid.UUID | None
) -> dict[str, Any]:
    """The stock table: one row per item, one column per location."""
    shown: dict[str, Any] = {"choice": choice, "product": product, "locations": [], "items": []}
    store_id = _store_or_none(choice)
    if store_id is None:
        return shown
    locations, _ = services.list_locations(session, page.tenant, store_id=store_id)
    levels = services.levels_listing(
        session, page.tenant, store_id=store_id, product_id=product, page=Page(limit=ROWS)
    ).data
    items: dict[tuple[Any, Any], dict[str, Any]] = {}
    for level in levels:
        row = items.setdefault(
            (level.product_id, level.variant_id),
            {
                "sku": level.sku or "?",
                "title": level.title or "",
                "product_id": level.product_id,
                "cells": {},
                "available": 0,
                "low": False,
            },
        )
        row["cells"][level.location_id] = level
        if any(loc.id == level.location_id and loc.is_active for loc in locations):
            row["available"] += level.available
        row["low"] = row["low"] or level.is_low
    for row in items.values():
        row["state"] = "out" if row["available"] <= 0 else "low" if row["low"] else "ok"
    shown.update(
        locations=locations,
        items=sorted(items.values(), key=lambda r: r["sku"]),
        options=[(str(location.id), location.name) for location in locations],
        truncated=len(levels) >= ROWS,
    )
    return shown


@pages.get("/")
def stock(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    product: Annotated[uuid.UUID | None, Query(description="Only this product")] = None,
) -> HTMLResponse:
    page.require("inventory.read")
    return stock_page.show(page, session, **_stock(session, page, choice, product))


@pages.post("/receive")
def receive(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require("inventory.manage")
    store_id = _required_store(choice)

    def act(data: ReceiveForm) -> Any:
        product_id, variant_id = _item_of(session, page, store_id, data.sku)
        return services.receive(
            session,
            page.tenant,
            store_id=store_id,
            data=ReceiptCreate(
                location_id=data.location_id,
                product_id=product_id,
                variant_id=variant_id,
                quantity=data.quantity,
                reason=data.reason,
            ),
            actor_id=page.principal.user_id,
        )

    return stock_page.submit(
        page,
        session,
        form,
        ReceiveForm,
        act,
        done=_link(choice),
        message=lambda moved: f"Received {moved.transactions[0].on_hand_delta} unit(s).",
        shown=lambda: {**_stock(session, page, choice, None), "form": "receive"},
    )


@pages.post("/adjust")
def adjust(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require("inventory.manage")
    store_id = _required_store(choice)

    def act(data: AdjustForm) -> Any:
        product_id, variant_id = _item_of(session, page, store_id, data.sku)
        body = AdjustmentCreate(
            location_id=data.location_id,
            product_id=product_id,
            variant_id=variant_id,
            mode=data.mode,
            quantity=data.quantity,
            reason=data.reason,
        )
        return services.adjust(
            session, page.tenant, store_id=store_id, data=body, actor_id=page.principal.user_id
        )

    return stock_page.submit(
        page,
        session,
        form,
        AdjustForm,
        act,
        done=_link(choice),
        message=lambda moved: f"Adjusted: {moved.transactions[0].on_hand_after} on hand now.",
        shown=lambda: {**_stock(session, page, choice, None), "form": "adjust"},
    )


def _required_store(choice: StoreChoice) -> uuid.UUID:
    if choice.store is None:
        raise NotFound("the tenant has no store")
    return choice.store.id


# -- movements ---------------------------------------------------------------------------------


@pages.get("/movements")
def movements(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    product: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[TransactionKind | None, Query()] = None,
    after: Annotated[str | None, Query(max_length=512)] = None,
) -> HTMLResponse:
    page.require("inventory.read")
    shown: dict[str, Any] = {
        "choice": choice,
        "product": product,
        "kind": kind.value if kind else None,
        "kinds": [k.value for k in TransactionKind],
        "rows": [],
        "next_cursor": None,
        "labels": {},
        "location_names": {},
    }
    store_id = _store_or_none(choice)
    if store_id is not None:
        listed = services.transactions_listing(
            session,
            page.tenant,
            store_id=store_id,
            page=Keyset(limit=100, after=after),
            product_id=product,
            kind=kind,
        )
        locations, _ = services.list_locations(session, page.tenant, store_id=store_id)
        labels = catalog.product_labels(
            session, page.tenant, store_id=store_id, product_ids={r.product_id for r in listed.data}
        )
        shown.update(
            rows=listed.data,
            next_cursor=listed.next_cursor,
            labels={key: label.sku for key, label in labels.items()},
            titles={key: label.title for key, label in labels.items()},
            location_names={loc.id: loc.name for loc in locations},
        )
    return movements_page.show(page, session, **shown)


# -- locations ---------------------------------------------------------------------------------


def _locations(session: Session, page: Any, choice: StoreChoice) -> dict[str, Any]:
    store_id = _store_or_none(choice)
    rows = services.list_locations(session, page.tenant, store_id=store_id)[0] if store_id else []
    return {"choice": choice, "locations": rows}


@pages.get("/locations")
def locations(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require("inventory.read")
    return locations_page.show(page, session, **_locations(session, page, choice))


@pages.post("/locations")
def create_location(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require("inventory.manage")
    store_id = _required_store(choice)
    values = dict(form)
    values.setdefault("priority", "100")
    if not str(values.get("priority", "")).strip():
        values["priority"] = "100"
    values.pop("csrf_token", None)
    return locations_page.submit(
        page,
        session,
        values,
        LocationCreate,
        lambda data: services.create_location(session, page.tenant, store_id=store_id, data=data),
        done=_link(choice, f"{HOME}locations"),
        message=lambda location: f"Location {location.name} added.",
        shown=lambda: _locations(session, page, choice),
    )


@pages.post("/locations/{location_id}/active")
def switch_location(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    location_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Switch a location on or off (off: it serves no order)."""
    page.require("inventory.manage")
    store_id = _required_store(choice)
    active = form.get("is_active") == "true"
    return locations_page.submit(
        page,
        session,
        form,
        None,
        lambda: services.update_location(
            session,
            page.tenant,
            store_id=store_id,
            location_id=location_id,
            data=LocationUpdate(is_active=active),
        ),
        done=_link(choice, f"{HOME}locations"),
        message=lambda location: (
            f"{location.name} {'serves orders again' if location.is_active else 'is off'}."
        ),
        shown=lambda: _locations(session, page, choice),
    )
