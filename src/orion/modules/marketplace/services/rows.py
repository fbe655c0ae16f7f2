"""A feed's rows checked one by one and grouped into catalog items.

Columns follow Google's product data specification as Letzshop feeds use it (`id` is the
SKU; see docs/marketplace.md). A row either becomes a `FeedRow` or a list of errors
(column, value, message) for the error report. Rows sharing an `item_group_id` are the
variants of one product whose SKU is that group id.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from orion.kernel.data.money import MAX_AMOUNT, minor_digits, parse_amount
from orion.modules.catalog import services as catalog
from orion.modules.catalog.schemas import gtin_valid

REQUIRED = ("id", "title", "price")
KNOWN = (
    "id", "title", "description", "link", "image_link", "additional_image_link", "price",
    "sale_price", "availability", "condition", "gtin", "mpn", "brand",
    "google_product_category", "product_type", "item_group_id", "color", "size",
    "shipping_weight", "quantity",
)  # fmt: skip
# Kept on the product as attributes (name in the catalog: the column's name).
ATTRIBUTE_COLUMNS = (
    "brand", "mpn", "condition", "google_product_category", "product_type", "link",
    "availability", "shipping_weight",
)  # fmt: skip
AVAILABILITY = ("in stock", "out of stock", "preorder", "backorder")
SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
URL = re.compile(r"^https?://[^\s\x00]+$")
PRICE = re.compile(r"^\s*(?P<amount>[0-9][0-9.,\s]*)\s*(?P<currency>[A-Za-z]{3})?\s*$")
PLAIN_PRICE = re.compile(r"^(\d{1,13})(?:[.,](\d{1,2}))?(?:\s*([A-Za-z]{3}))?$")
MAX_TITLE, MAX_DESCRIPTION, MAX_ATTRIBUTE, MAX_IMAGES = 300, 20_000, 500, 20
MAX_QUANTITY = 10**9


@dataclass
class FeedRow:
    row: int
    sku: str
    group: str | None
    title: str
    description: str
    price: int
    gtin: str | None
    images: list[str]
    attributes: dict[str, str]
    options: dict[str, str]
    quantity: int | None


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str


def missing_columns(header: list[str]) -> list[str]:
    return [name for name in REQUIRED if name not in header]


@functools.lru_cache(maxsize=64)
def _digits(currency: str) -> int:
    return minor_digits(currency)


def _price(text: str, currency: str) -> int:
    plain = PLAIN_PRICE.match(text)
    if plain is not None and _digits(currency) == 2:
        # The common case ("12.34 EUR", "12,3", "12"), read without the general parser.
        units, cents, given = plain.groups()
        if (given or currency).upper() != currency:
            raise ValueError(f"is in {given.upper()}; the store sells in {currency}")
        amount = int(units) * 100 + int((cents or "").ljust(2, "0"))
        if amount <= MAX_AMOUNT:
            return amount
    match = PRICE.match(text)
    if not match:
        raise ValueError(f"must be an amount such as 12.34 {currency}")
    given = (match.group("currency") or currency).upper()
    if given != currency:
        raise ValueError(f"is in {given}; the store sells in {currency}")
    return parse_amount(match.group("amount").strip(), currency)


def check(row: int, values: dict[str, str], currency: str) -> FeedRow | list[RowError]:
    """The row as a FeedRow, or every error found in it."""
    errors: list[RowError] = []

    def refuse(column: str, message: str) -> None:
        errors.append(RowError(row, column, values.get(column, "")[:500], message))

    get = values.get
    sku = (get("id") or "").strip()
    if not sku:
        refuse("id", "the SKU (id) is missing")
    elif not SKU.match(sku):
        refuse("id", "a SKU has at most 64 letters, digits and . _ / - (no spaces)")
    group = (get("item_group_id") or "").strip() or None
    if group is not None and not SKU.match(group):
        refuse("item_group_id", "a group id has at most 64 letters, digits and . _ / -")
    title = " ".join((get("title") or "").split())
    if not title:
        refuse("title", "the title is missing")
    elif len(title) > MAX_TITLE:
        refuse("title", f"a title has at most {MAX_TITLE} characters")
    description = (get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        refuse("description", f"a description has at most {MAX_DESCRIPTION} characters")
    price = 0
    sale = (get("sale_price") or "").strip()
    for column in ("price", "sale_price") if sale else ("price",):
        text = (get(column) or "").strip()
        if not text:
            refuse(column, "the price is missing")
            continue
        try:
            amount = _price(text, currency)
        except ValueError as exc:
            refuse(column, f"{column} {exc}")
            continue
        if column == "price":
            price = amount
            regular = amount
        else:
            price = amount
    gtin = re.sub(r"[\s-]", "", get("gtin") or "") or None
    if gtin is not None and not gtin_valid(gtin):
        refuse("gtin", "not a GTIN: 8, 12, 13 or 14 digits with a right check digit")
    images = []
    for column in ("image_link", "additional_image_link"):
        for url in (get(column) or "").split(","):
            url = url.strip()
            if not url:
                continue
            if len(url) > 2000 or not URL.match(url):
                refuse(column, f"not an http(s) address: {url[:100]}")
            elif url not in images:
                images.append(url)
    if len(images) > MAX_IMAGES:
        images = images[:MAX_IMAGES]
    attributes = {}
    for column in ATTRIBUTE_COLUMNS:
        value = " ".join((get(column) or "").split())
        if not value:
            continue
        if len(value) > MAX_ATTRIBUTE:
            refuse(column, f"at most {MAX_ATTRIBUTE} characters")
        attributes[column] = value
    availability = attributes.get("availability")
    if availability is not None and availability.lower() not in AVAILABILITY:
        refuse("availability", "one of: " + ", ".join(AVAILABILITY))
    if sale and not errors:
        attributes["regular_price"] = str(regular)
    quantity = None
    raw_quantity = (get("quantity") or "").strip()
    if raw_quantity:
        try:
            quantity = int(raw_quantity)
        except ValueError:
            refuse("quantity", "a whole number of units")
        else:
            if not 0 <= quantity <= MAX_QUANTITY:
                refuse("quantity", f"between 0 and {MAX_QUANTITY}")
    options = {}
    for column in ("color", "size"):
        value = " ".join((get(column) or "").split())
        if len(value) > MAX_ATTRIBUTE:
            refuse(column, f"at most {MAX_ATTRIBUTE} characters")
        elif value:
            options[column] = value
    if any("\x00" in value for value in values.values()):
        refuse("id", "the row holds a NUL character")
    if errors:
        return errors
    return FeedRow(
        row, sku, group, title, description, price, gtin, images, attributes, options, quantity
    )


@dataclass
class Grouped:
    """The chunk's catalog items and, for each SKU written, the row it came from."""

    items: list[catalog.UpsertItem] = field(default_factory=list)
    rows_of: dict[str, list[int]] = field(default_factory=dict)  # item SKU -> its rows
    stock: dict[str, int] = field(default_factory=dict)  # item or variant SKU -> quantity


def group(rows: list[FeedRow], language: str, *, stock_in_catalog: bool) -> Grouped:
    """Items for the catalog's upsert: a row without a group is a product; rows sharing a
    group are its variants (the product's fields come from the group's first row)."""
    grouped = Grouped()
    by_group: dict[str, catalog.UpsertItem] = {}
    for row in rows:
        if row.quantity is not None:
            grouped.stock[row.sku] = row.quantity
        quantity = row.quantity if stock_in_catalog else None
        if row.group is None:
            item = _item(row, row.sku, language)
            item.available_quantity = quantity
            grouped.items.append(item)
            grouped.rows_of[row.sku] = [row.row]
            continue
        item = by_group.get(row.group)
        if item is None:
            item = by_group[row.group] = _item(row, row.group, language)
            grouped.items.append(item)
            grouped.rows_of[row.group] = []
        grouped.rows_of[row.group].append(row.row)
        item.variants.append(
            catalog.UpsertVariant(
                sku=row.sku,
                options=row.options or {"variant": row.sku},
                gtin=row.gtin,
                price=None if row.price == item.price else row.price,
                available_quantity=quantity,
            )
        )
    return grouped


def _item(row: FeedRow, sku: str, language: str) -> catalog.UpsertItem:
    return catalog.UpsertItem(
        sku=sku,
        titles={language: row.title},
        descriptions={language: row.description} if row.description else {},
        price=row.price,
        gtin=row.gtin if row.group is None else None,
        images=row.images,
        attributes=row.attributes,
    )
