"""Console pages of the catalog, per store (`?store=<id>`, the store switcher): the products
table (search, filters, sorting, bulk actions, pages), the product editor (titles and
descriptions per language, price, VAT, status, categories, images, attributes, variants)
and the category tree."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from orion.kernel.data.languages import LANGUAGES
from orion.kernel.data.money import amount_text, parse_amount
from orion.kernel.data.paging import Page
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormPage, StoreChoice
from orion.kernel.web.console.shell import PageContext, PostedForm
from orion.kernel.web.dependencies import SessionDep
from orion.kernel.web.messages import describe, field_path
from orion.modules.catalog import services
from orion.modules.catalog.console_categories import (
    MANAGE,
    READ,
    chosen_store,
    store_url,
)
from orion.modules.catalog.console_categories import router as categories_router
from orion.modules.catalog.schemas import (
    BulkRequest,
    ItemCreate,
    ItemQuery,
    ItemUpdate,
    ProductStatus,
    StockState,
    VariantCreate,
    VariantUpdate,
)

pages = APIRouter()  # /console/catalog/...
# Before the product pages: "/categories" is no product id.
pages.include_router(categories_router, prefix="/categories")

LIMIT = 50

products_page = FormPage("catalog/console/products.html")
editor_page = FormPage("catalog/console/product.html")


def _as_decimal(amount: int | None, currency: str) -> str:
    return "" if amount is None else amount_text(amount, currency)


# -- the products table ------------------------------------------------------------------------


def _filters(params: Mapping[str, str], currency: str) -> tuple[ItemQuery, dict[str, str]]:
    """The table's filters; prices are typed in the store's currency units ("12.50")."""
    wanted: dict[str, Any] = {
        k: v for k, v in params.items() if k in ItemQuery.model_fields and v != ""
    }
    errors: dict[str, str] = {}
    for name, label in (("min_price", "Price from"), ("max_price", "Price to")):
        if name in wanted:
            try:
                wanted[name] = parse_amount(wanted[name], currency)
            except ValueError as why:
                errors[name] = f"{label} {why}."
                del wanted[name]
    try:
        return ItemQuery.model_validate(wanted, strict=False), errors
    except ValidationError as exc:
        errors |= {field_path(e["loc"]) if e["loc"] else "q": describe(e) for e in exc.errors()}
        return ItemQuery(), errors


def _table(page: PageContext, session: Session, choice: StoreChoice) -> dict[str, Any]:
    params = dict(page.request.query_params)
    shown: dict[str, Any] = {
        "choice": choice,
        "statuses": [s.value for s in ProductStatus],
        "stock_states": [s.value for s in StockState],
        "params": params,
        "limit": LIMIT,
    }
    if choice.store is None:
        return shown | {"items": None, "categories": [], "filter_errors": {}, "offset": 0}
    filters, filter_errors = _filters(params, choice.store.currency)
    try:
        offset = max(0, int(params.get("offset", "0")))
    except ValueError:
        offset = 0
    listing = services.items_page(
        session,
        page.tenant,
        store_id=choice.store.id,
        filters=filters,
        page=Page(limit=LIMIT, offset=offset),
    )
    categories = services.list_categories(session, page.tenant, store_id=choice.store.id)
    base = store_url(
        "/", choice, **{k: v for k, v in params.items() if k not in ("store", "offset")}
    )
    return shown | {
        "items": listing,
        "categories": categories.data,
        "filter_errors": filter_errors,
        "offset": offset,
        "base": base + "&",
    }


@pages.get("/")
def products(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require(READ)
    return products_page.show(page, session, **_table(page, session, choice))


@pages.post("/bulk")
def bulk(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: PostedForm
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    data: dict[str, Any] = {"action": form.get("action"), "ids": form.getlist("ids")}
    if form.get("status"):
        data["status"] = form.get("status")
    if form.get("percent"):
        try:
            data["basis_points"] = int(Decimal(str(form.get("percent"))) * 100)
        except InvalidOperation:
            data["basis_points"] = "not a number"
    result = products_page.run(
        session,
        data,
        BulkRequest,
        lambda body: services.bulk_action(session, page.tenant, store_id=store.id, data=body),
    )
    _, errors = result
    if errors:
        errors = {"form": "; ".join(f"{k}: {v}" if k != "form" else v for k, v in errors.items())}
        result = (None, errors)
    return products_page.outcome(
        page,
        session,
        {},
        result,
        done=store_url("/", choice),
        message=lambda done: (
            f"{len(done.changed)} changed, {len(done.skipped)} skipped."
            + "".join(f" {s.reason}." for s in done.skipped[:3])
        ),
        shown=lambda: _table(page, session, choice),
    )


# -- the product editor ------------------------------------------------------------------------


def _editor(
    page: PageContext, session: Session, choice: StoreChoice, product_id: uuid.UUID | None
) -> dict[str, Any]:
    store = chosen_store(choice)
    item = None
    if product_id is not None:
        item = services.item_public(
            session, page.tenant, services.get_product(session, page.tenant, store.id, product_id)
        )
    enabled = getattr(page.request.state, "enabled_modules", None) or frozenset()
    return {
        "choice": choice,
        "store": store,
        "item": item,
        "languages": LANGUAGES,
        "statuses": [s.value for s in ProductStatus],
        "vat_rates": services.tenant_vat_rates(session, page.tenant).rates,
        "categories": services.category_tree(session, page.tenant, store_id=store.id),
        "as_decimal": _as_decimal,
        "stock_link": (
            f"/console/inventory/?store={store.id}&product={item.id}"
            if item is not None and "inventory" in enabled
            else None
        ),
        # Stock kept by the inventory module is received and adjusted there, not typed here.
        "stock_by_inventory": "inventory" in enabled,
        "action": store_url(f"/{item.id}" if item else "/new", choice),
    }


def _values(item: Any, currency: str) -> dict[str, Any]:
    """The form's fields as the product has them."""
    values: dict[str, Any] = {
        "sku": item.sku,
        "gtin": item.gtin or "",
        "price": _as_decimal(item.price, currency),
        "vat_rate": str(item.vat_rate),
        "status": item.status.value,
        "category_ids": [str(c) for c in item.category_ids],
        "images": "\n".join(item.images),
        "attributes": "\n".join(f"{k}: {v}" for k, v in item.attributes.items()),
        "available_quantity": "" if item.available_quantity is None else item.available_quantity,
        "low_stock_threshold": item.low_stock_threshold,
    }
    for lang in LANGUAGES:
        values[f"title_{lang}"] = item.titles.get(lang, "")
        values[f"description_{lang}"] = item.descriptions.get(lang, "")
    return values


def _minor(text: str, currency: str) -> int | str:
    """ "12.50" or "12,50" as minor units; what was typed when it is not an amount (the
    schema then names the price field)."""
    try:
        return parse_amount(text, currency)
    except ValueError:
        return text


def _item_data(form: Mapping[str, Any], currency: str, *, creating: bool) -> dict[str, Any]:
    """The editor's fields as an ItemCreate/ItemUpdate body."""
    data: dict[str, Any] = {
        "sku": form.get("sku", ""),
        "gtin": form.get("gtin") or None,
        "titles": {lang: form.get(f"title_{lang}", "") for lang in LANGUAGES},
        "descriptions": {lang: form.get(f"description_{lang}", "") for lang in LANGUAGES},
        "price": _minor(str(form.get("price", "")), currency),
        "status": form.get("status") or "draft",
        "category_ids": form.getlist("category_ids") if hasattr(form, "getlist") else [],
        "images": [
            line.strip() for line in str(form.get("images", "")).splitlines() if line.strip()
        ],
        "attributes": dict(
            (part.strip() for part in line.split(":", 1))
            for line in str(form.get("attributes", "")).splitlines()
            if ":" in line
        ),
        "low_stock_threshold": form.get("low_stock_threshold") or 5,
    }
    if form.get("vat_rate"):
        data["vat_rate"] = form.get("vat_rate")
    if "available_quantity" in form and (form.get("available_quantity", "") != "" or not creating):
        data["available_quantity"] = form.get("available_quantity") or None
    return data


def _form_values(form: Any) -> dict[str, Any]:
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    values["category_ids"] = form.getlist("category_ids")
    return values


@pages.get("/new")
def new_product(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require(MANAGE)
    shown = _editor(page, session, choice, None)
    values = {"status": "draft", "low_stock_threshold": 5, "category_ids": []}
    return editor_page.show(page, session, values=values, **shown)


@pages.post("/new")
def create_product(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: PostedForm
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    return editor_page.outcome(
        page,
        session,
        _form_values(form),
        editor_page.run(
            session,
            _item_data(form, store.currency, creating=True),
            ItemCreate,
            lambda data: services.create_product(
                session, page.tenant, store_id=store.id, data=data
            ),
        ),
        done=lambda product: store_url(f"/{product.id}", choice),
        message=lambda product: f"{product.title} created.",
        shown=lambda: _editor(page, session, choice, None),
    )


@pages.get("/{product_id}")
def edit_product(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, product_id: uuid.UUID
) -> HTMLResponse:
    page.require(READ)
    shown = _editor(page, session, choice, product_id)
    return editor_page.show(
        page, session, values=_values(shown["item"], shown["store"].currency), **shown
    )


@pages.post("/{product_id}")
def save_product(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    product_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    return editor_page.outcome(
        page,
        session,
        _form_values(form),
        editor_page.run(
            session,
            _item_data(form, store.currency, creating=False),
            ItemUpdate,
            lambda data: services.update_product(
                session, page.tenant, store_id=store.id, product_id=product_id, data=data
            ),
        ),
        done=store_url(f"/{product_id}", choice),
        message=lambda product: f"{product.title} saved.",
        shown=lambda: _editor(page, session, choice, product_id),
    )


@pages.post("/{product_id}/delete")
def delete_product(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, product_id: uuid.UUID
) -> Response:
    """Drafts only; the editor says why another is kept."""
    page.require(MANAGE)
    store = chosen_store(choice)
    _, errors = editor_page.run(
        session,
        {},
        None,
        lambda: services.delete_product(
            session, page.tenant, store_id=store.id, product_id=product_id
        ),
    )
    if errors:
        text = "; ".join(errors.values())
        return page.redirect(store_url(f"/{product_id}", choice), message=text, level="error")
    return page.redirect(store_url("/", choice), message="Product deleted.")


def _variant_data(form: Mapping[str, Any], currency: str) -> dict[str, Any]:
    options = {}
    for key in ("size", "colour"):
        if form.get(key):
            options[key] = form[key]
    data: dict[str, Any] = {"sku": form.get("sku", ""), "options": options}
    if form.get("gtin"):
        data["gtin"] = form["gtin"]
    data["price"] = _minor(form["price"], currency) if form.get("price") else None
    if form.get("position"):
        data["position"] = form["position"]
    if form.get("available_quantity"):
        data["available_quantity"] = form["available_quantity"]
    return data


def _variant_outcome(
    page: PageContext,
    session: Session,
    choice: StoreChoice,
    product_id: uuid.UUID,
    result: tuple[Any, Any],
    message: str,
) -> Response:
    _, errors = result
    if errors:
        errors = {"variant": "; ".join(f"{k}: {v}" for k, v in errors.items())}
        result = (None, errors)
    shown = _editor(page, session, choice, product_id)
    return editor_page.outcome(
        page,
        session,
        _values(shown["item"], shown["store"].currency),
        result,
        done=store_url(f"/{product_id}", choice),
        message=message,
        shown=lambda: shown,
    )


@pages.post("/{product_id}/variants")
def add_variant(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    product_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    result = editor_page.run(
        session,
        _variant_data(form, store.currency),
        VariantCreate,
        lambda data: services.add_variant(
            session, page.tenant, store_id=store.id, product_id=product_id, data=data
        ),
    )
    return _variant_outcome(page, session, choice, product_id, result, "Variant added.")


@pages.post("/{product_id}/variants/{variant_id}")
def save_variant(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    product_id: uuid.UUID,
    variant_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    data = _variant_data(form, store.currency)
    if "available_quantity" not in data and "available_quantity" in form:
        data["available_quantity"] = None
    result = editor_page.run(
        session,
        data,
        VariantUpdate,
        lambda body: services.update_variant(
            session,
            page.tenant,
            store_id=store.id,
            product_id=product_id,
            variant_id=variant_id,
            data=body,
        ),
    )
    return _variant_outcome(page, session, choice, product_id, result, "Variant saved.")


@pages.post("/{product_id}/variants/{variant_id}/delete")
def delete_variant(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    product_id: uuid.UUID,
    variant_id: uuid.UUID,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    result = editor_page.run(
        session,
        {},
        None,
        lambda: services.delete_variant(
            session, page.tenant, store_id=store.id, product_id=product_id, variant_id=variant_id
        ),
    )
    return _variant_outcome(page, session, choice, product_id, result, "Variant removed.")
