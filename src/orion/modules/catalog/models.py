"""Catalog models: a store's products, their variants, categories (a tree) and the
platform's VAT rates.

Prices are integers in the currency's minor unit and include VAT (B2C); VAT rates are in
basis points (1700 = 17 %). A SKU is unique in its store across products and variants
(a unique constraint per table, and the services check both under a per-store lock).
`available_quantity` is the stock the inventory module reports (None: not tracked).
After changing a model: `orion db revision --module catalog -m "what changed"`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, JSONType, TenantScoped, Timestamps, UUIDPrimaryKey

STATUSES = ("draft", "active", "archived")
VAT_CODES = ("standard", "intermediate", "reduced", "super_reduced")
# Luxembourg's rates, for a platform whose operators configured none.
SEARCH_VECTOR = "to_tsvector('simple'::regconfig, search_text)"
DEFAULT_VAT_RATES = {"standard": 1700, "intermediate": 1400, "reduced": 800, "super_reduced": 300}


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _store_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("tenancy_store.id", ondelete="CASCADE"), index=True)


class Product(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One product of a store. `title` (en, else fr, else de), `sort_title` and
    `search_text` are derived from the titles by the services on every write."""

    __tablename__ = "catalog_product"
    __table_args__ = (
        UniqueConstraint("store_id", "sku"),
        Index("ix_catalog_product_store_id_created_at", "store_id", "created_at"),
        Index("ix_catalog_product_store_id_sort_title", "store_id", "sort_title"),
        Index("ix_catalog_product_store_id_price", "store_id", "price"),
        # Full-text search over the titles: created on PostgreSQL only (the migration);
        # autogenerate on SQLite skips an expression index it cannot reflect.
        Index("ix_catalog_product_search", text(SEARCH_VECTOR), postgresql_using="gin"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("vat_rate >= 0 AND vat_rate <= 10000", name="vat_rate_range"),
    )

    store_id: Mapped[uuid.UUID] = _store_fk()
    sku: Mapped[str] = mapped_column(String(64))
    gtin: Mapped[str | None] = mapped_column(String(14))
    titles: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    descriptions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    title: Mapped[str] = mapped_column(String(300))
    sort_title: Mapped[str] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    vat_rate: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    images: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    available_quantity: Mapped[int | None] = mapped_column(Integer)
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=5)


class ProductVariant(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A sellable option of a product (a size, a colour) with its own SKU; `price` None
    sells it at the product's price."""

    __tablename__ = "catalog_variant"
    __table_args__ = (
        UniqueConstraint("store_id", "sku"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
    )

    store_id: Mapped[uuid.UUID] = _store_fk()
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    gtin: Mapped[str | None] = mapped_column(String(14))
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    price: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    available_quantity: Mapped[int | None] = mapped_column(Integer)


class Category(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A node of the store's category tree (`parent_id` None: a top category)."""

    __tablename__ = "catalog_category"
    __table_args__ = (UniqueConstraint("store_id", "slug"),)

    store_id: Mapped[uuid.UUID] = _store_fk()
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog_category.id", ondelete="RESTRICT"), index=True
    )
    names: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductCategory(TenantScoped, Base):
    """A product filed under a category."""

    __tablename__ = "catalog_product_category"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_category.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class VatRate(UUIDPrimaryKey, Timestamps, Base):
    """A VAT rate a platform's products may carry (platform-owned: no tenant)."""

    __tablename__ = "catalog_vat_rate"
    __table_args__ = (
        UniqueConstraint("platform_id", "code"),
        CheckConstraint(_one_of("code", VAT_CODES), name="code"),
        CheckConstraint("rate >= 0 AND rate <= 10000", name="rate_range"),
    )

    platform_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenancy_platform.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    rate: Mapped[int] = mapped_column(Integer)
