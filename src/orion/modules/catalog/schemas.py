"""Catalog DTOs: what the API and the console accept and answer, and what other modules get
(`SellableItem`, `ProductLabel`).

Products are "items" in the API (`ItemCreate`, `ItemUpdate`, `ItemPublic`, `ItemsPublic`);
the `Product*` names are aliases. Prices are integers in minor units, VAT included; rates
in basis points. No string accepts a NUL character (PostgreSQL refuses to store one).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from orion.kernel.data.languages import Language, in_some_language
from orion.kernel.data.money import BasisPoints, Currency, MinorUnits
from orion.kernel.data.paging import KeysetListing, Listing


class ProductStatus(StrEnum):
    draft = "draft"
    active = "active"
    archived = "archived"


class StockState(StrEnum):
    in_stock = "in_stock"
    low = "low"
    out_of_stock = "out_of_stock"
    untracked = "untracked"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("may not contain a NUL character")
    return value


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


def gtin_valid(code: str) -> bool:
    """A GTIN-8/12/13/14 with its GS1 check digit right."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _gtin(value: str) -> str:
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise ValueError("a GTIN has 8, 12, 13 or 14 digits")
    if not gtin_valid(value):
        raise ValueError("the GTIN's check digit is wrong")
    return value


def _compact(value: object) -> object:
    return value.replace(" ", "").replace("-", "") if isinstance(value, str) else value


Sku = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    ),
    Field(description="Letters, digits and . _ / -; unique in the store", examples=["TEE-BLUE-M"]),
]
Gtin = Annotated[
    str,
    BeforeValidator(_compact),
    AfterValidator(_gtin),
    Field(description="GTIN-8, -12 (UPC), -13 (EAN) or -14", examples=["4006381333931"]),
]
Title = _text(300)  # empty: no title in that language
Description = _text(20_000)
AttributeKey = _text(64, 1)
AttributeValue = _text(500)
ImageUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://[^\s\x00]+$"),
    Field(description="An http(s) URL of the image"),
]
Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z0-9-]+$"),
]
Quantity = Annotated[int, Field(ge=0, le=10**9)]
SearchText = _text(200)
CategoryName = _text(200)

Titles = Annotated[dict[Language, Title], Field(description="Per language: en, fr, de")]
Descriptions = Annotated[dict[Language, Description], Field(json_schema_extra={"multiline": True})]
Attributes = Annotated[dict[AttributeKey, AttributeValue], Field(max_length=50)]
Options = Annotated[
    dict[AttributeKey, AttributeValue],
    Field(min_length=1, max_length=10, examples=[{"size": "M", "colour": "blue"}]),
]
Images = Annotated[list[ImageUrl], Field(max_length=20, description="In the order shown")]
CategoryIds = Annotated[list[uuid.UUID], Field(max_length=50)]


_titles_given = in_some_language("title")


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- variants ----------------------------------------------------------------------------------


class VariantCreate(_Input):
    sku: Sku
    gtin: Gtin | None = None
    options: Options
    price: MinorUnits | None = Field(default=None, description="None: the product's price")
    position: int | None = Field(default=None, ge=0, le=10_000)
    available_quantity: Quantity | None = None


class VariantUpdate(_Input):
    sku: Sku | None = None
    gtin: Gtin | None = None
    options: Options | None = None
    price: MinorUnits | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    available_quantity: Quantity | None = None

    _required = field_validator("sku", "options", "position")(_not_null)


class VariantPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    product_id: uuid.UUID
    sku: str
    gtin: str | None
    options: dict[str, str]
    price: int | None
    position: int
    available_quantity: int | None


# -- items (products) --------------------------------------------------------------------------


class ItemCreate(_Input):
    sku: Sku
    gtin: Gtin | None = None
    titles: Titles
    descriptions: Descriptions = Field(default_factory=dict)
    price: MinorUnits = Field(description="Minor units, VAT included: 1250 is 12.50 EUR")
    currency: Currency | None = Field(default=None, description="The store's; may be left out")
    vat_rate: BasisPoints | None = Field(
        default=None, description="One of the platform's rates; default: its standard rate"
    )
    status: ProductStatus = ProductStatus.draft
    images: Images = Field(default_factory=list)
    attributes: Attributes = Field(default_factory=dict)
    category_ids: CategoryIds = Field(default_factory=list)
    variants: list[VariantCreate] = Field(default_factory=list, max_length=100)
    available_quantity: Quantity | None = Field(
        default=None, description="Stock when the inventory module is off; None: not tracked"
    )
    low_stock_threshold: Quantity = 5

    _titles = field_validator("titles")(_titles_given)


class ItemUpdate(_Input):
    """A partial update: only the fields sent are changed (`gtin` and
    `available_quantity` may be set to null)."""

    sku: Sku | None = None
    gtin: Gtin | None = None
    titles: Titles | None = None
    descriptions: Descriptions | None = None
    price: MinorUnits | None = None
    currency: Currency | None = None
    vat_rate: BasisPoints | None = None
    status: ProductStatus | None = None
    images: Images | None = None
    attributes: Attributes | None = None
    category_ids: CategoryIds | None = None
    available_quantity: Quantity | None = None
    low_stock_threshold: Quantity | None = None

    _required = field_validator(
        "sku",
        "titles",
        "descriptions",
        "price",
        "currency",  # only the store's is accepted; null would say nothing
        "vat_rate",
        "status",
        "images",
        "attributes",
        "category_ids",
        "low_stock_threshold",
    )(_not_null)
    _titles = field_validator("titles")(_titles_given)


class ItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    sku: str
    gtin: str | None
    title: str = Field(description="The English title, else the French, else the German")
    titles: dict[str, str]
    descriptions: dict[str, str]
    price: int
    currency: str
    vat_rate: int
    status: ProductStatus
    images: list[str]
    attributes: dict[str, str]
    available_quantity: int | None
    low_stock_threshold: int
    stock_state: StockState
    category_ids: list[uuid.UUID]
    variants: list[VariantPublic]
    created_at: datetime
    updated_at: datetime


ItemsPublic = KeysetListing[ItemPublic]
ItemsPagePublic = Listing[ItemPublic]  # offset pages with a count (the console's table)

ProductCreate = ItemCreate
ProductUpdate = ItemUpdate
ProductPublic = ItemPublic
ProductsPublic = ItemsPublic


class ImagesUpdate(_Input):
    images: Images


ItemSort = Literal["title", "price", "created_at", "sku"]


class ItemQuery(BaseModel):
    """Search, filters and order of a product list."""

    q: SearchText | None = Field(default=None, description="Title words, a SKU or a GTIN")
    status: ProductStatus | None = None
    category_id: uuid.UUID | None = None
    subcategories: bool = Field(default=True, description="Include the category's subcategories")
    min_price: MinorUnits | None = None
    max_price: MinorUnits | None = None
    stock: StockState | None = None
    sort: ItemSort = "created_at"
    order: Literal["asc", "desc"] = "desc"

    @model_validator(mode="after")
    def _range(self) -> ItemQuery:
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise ValueError("max_price is below min_price")
        return self


# -- bulk actions ------------------------------------------------------------------------------


class BulkAction(StrEnum):
    set_status = "set_status"
    adjust_price = "adjust_price"
    delete = "delete"


class BulkRequest(_Input):
    action: BulkAction
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    status: ProductStatus | None = Field(default=None, description="For set_status")
    basis_points: int | None = Field(
        default=None,
        ge=-10_000,
        le=100_000,
        description="For adjust_price: +1000 raises prices by 10 %, -2500 lowers them by 25 %",
    )

    @model_validator(mode="after")
    def _arguments(self) -> BulkRequest:
        if self.action == BulkAction.set_status and self.status is None:
            raise ValueError("set_status needs a status")
        if self.action == BulkAction.adjust_price and self.basis_points is None:
            raise ValueError("adjust_price needs basis_points")
        return self


class BulkSkipped(BaseModel):
    id: uuid.UUID
    reason: str


class BulkResult(BaseModel):
    action: BulkAction
    changed: list[uuid.UUID]
    skipped: list[BulkSkipped]


# -- categories --------------------------------------------------------------------------------

CategoryNames = Annotated[dict[Language, CategoryName], Field(description="Per language")]


class CategoryCreate(_Input):
    names: CategoryNames
    slug: Slug | None = Field(default=None, description="Default: made from the name")
    parent_id: uuid.UUID | None = None
    position: int = Field(default=0, ge=0, le=10_000)

    _names = field_validator("names")(_titles_given)


class CategoryUpdate(_Input):
    """Partial; `parent_id` moves the category (null: to the top)."""

    names: CategoryNames | None = None
    slug: Slug | None = None
    parent_id: uuid.UUID | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)

    _required = field_validator("names", "slug", "position")(_not_null)
    _names = field_validator("names")(_titles_given)


class CategoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    names: dict[str, str]
    slug: str
    position: int


class CategoryNode(CategoryPublic):
    depth: int
    children: list[CategoryNode] = Field(default_factory=list)


CategoriesPublic = Listing[CategoryPublic]


class CategoryTreePublic(BaseModel):
    data: list[CategoryNode]


# -- VAT rates ---------------------------------------------------------------------------------

VatCode = Literal["standard", "intermediate", "reduced", "super_reduced"]


class VatRatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: VatCode
    rate: BasisPoints


class VatRatesPublic(BaseModel):
    platform_id: uuid.UUID
    configured: bool = Field(description="False: Luxembourg's rates, as none were configured")
    rates: list[VatRatePublic]


class VatRatesUpdate(_Input):
    rates: list[VatRatePublic] = Field(min_length=1, max_length=4)

    @field_validator("rates")
    @classmethod
    def _unique(cls, rates: list[VatRatePublic]) -> list[VatRatePublic]:
        codes = [r.code for r in rates]
        if len(set(codes)) != len(codes):
            raise ValueError("each code once")
        return rates


# -- for other modules -------------------------------------------------------------------------


class SellableItem(BaseModel):
    """What an order line needs of the product (or variant) a SKU sells."""

    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    title: str
    titles: dict[str, str]
    unit_price: int
    currency: str
    vat_rate: int
    available_quantity: int | None = Field(
        default=None, description="What can be sold now; None when the stock is not tracked"
    )


class ProductLabel(BaseModel):
    """How lists in other modules name a product or one of its variants."""

    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    title: str


# -- the storefront ----------------------------------------------------------------------------


class ShopVariantPublic(BaseModel):
    """A variant as shoppers see it: whether it can be bought, not the stock figures."""

    id: uuid.UUID
    sku: str
    options: dict[str, str]
    price: int = Field(description="Minor units, VAT included (the product's when not its own)")
    in_stock: bool


class ShopItemPublic(BaseModel):
    """An active product as a store's shoppers see it."""

    id: uuid.UUID
    sku: str
    gtin: str | None
    title: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    price: int = Field(description="Minor units, VAT included")
    currency: str
    vat_rate: int
    images: list[str]
    attributes: dict[str, str]
    category_ids: list[uuid.UUID]
    in_stock: bool = Field(description="False when the product (every variant) is sold out")
    variants: list[ShopVariantPublic]


ShopItemsPublic = KeysetListing[ShopItemPublic]


class ShopItemQuery(BaseModel):
    """Search and filters of a storefront's product list (active products only)."""

    q: SearchText | None = Field(default=None, description="Title words, a SKU or a GTIN")
    category_id: uuid.UUID | None = None
    min_price: MinorUnits | None = None
    max_price: MinorUnits | None = None
    sort: ItemSort = "title"
    order: Literal["asc", "desc"] = "asc"
