"""Orders models: orders with their items (snapshots), timeline, fulfilments, returns,
refunds, invoices, credit notes and the numbering sequences.

Product ids are kept as plain UUIDs (no foreign key to catalog): an order is a snapshot of
what was sold, and stays whole when a product is archived or deleted. Amounts are integers
in the order's currency's minor unit; VAT rates are basis points (1700 = 17 %).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orion.kernel.data.db import Base, JSONType, TenantScoped, Timestamps, UUIDPrimaryKey, utcnow
from orion.modules.orders.exceptions import DocumentImmutable


def _store_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("tenancy_store.id", ondelete="CASCADE"), index=True)


def _order_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("orders_order.id", ondelete="CASCADE"), index=True)


class Order(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """One order of a store. Totals are computed once, when it is placed, and stored."""

    __tablename__ = "orders_order"
    __table_args__ = (
        UniqueConstraint("store_id", "number"),
        UniqueConstraint("store_id", "idempotency_key"),
        Index("ix_orders_order_store_id_placed_at", "store_id", "placed_at"),
        CheckConstraint("grand_total >= 0", name="grand_total_not_negative"),
    )

    store_id: Mapped[uuid.UUID] = _store_fk()
    number: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(24), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    customer_email: Mapped[str] = mapped_column(String(320), index=True)
    customer_name: Mapped[str | None] = mapped_column(String(200))
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(String(2000))
    items_total: Mapped[int] = mapped_column(BigInteger)
    discount_total: Mapped[int] = mapped_column(BigInteger)
    shipping_total: Mapped[int] = mapped_column(BigInteger)
    shipping_vat_rate: Mapped[int] = mapped_column(Integer)
    vat_total: Mapped[int] = mapped_column(BigInteger)
    grand_total: Mapped[int] = mapped_column(BigInteger)
    # {"1700": {"gross": 11700, "vat": 1700}, ...}: per VAT rate, after discount and shipping.
    vat_breakdown: Mapped[dict[str, Any]] = mapped_column(JSONType)
    paid_total: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The store's customer who placed it on the storefront (customers' id; no foreign key:
    # an erased customer's orders stay, anonymised).
    customer_id: Mapped[uuid.UUID | None] = mapped_column(index=True)

    items: Mapped[list[OrderItem]] = relationship(
        order_by="OrderItem.position", lazy="raise_on_sql", viewonly=True
    )


class OrderItem(UUIDPrimaryKey, TenantScoped, Base):
    """A line as sold: what the product was called and cost at that moment."""

    __tablename__ = "orders_item"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "fulfilled_quantity >= 0 AND fulfilled_quantity <= quantity", name="fulfilled_in_range"
        ),
        CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= fulfilled_quantity",
            name="returned_in_range",
        ),
    )

    order_id: Mapped[uuid.UUID] = _order_fk()
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID]
    variant_id: Mapped[uuid.UUID | None]
    sku: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(BigInteger)
    fulfilled_quantity: Mapped[int] = mapped_column(Integer, default=0)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)


class OrderEvent(UUIDPrimaryKey, TenantScoped, Base):
    """The order's timeline: every transition (and what happened without one), by whom."""

    __tablename__ = "orders_event"
    __table_args__ = (Index("ix_orders_event_order_id_created_at", "order_id", "created_at"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders_order.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fulfillment(UUIDPrimaryKey, TenantScoped, Base):
    """A shipment of some of the order's items."""

    __tablename__ = "orders_fulfillment"

    order_id: Mapped[uuid.UUID] = _order_fk()
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[FulfillmentItem]] = relationship(lazy="selectin", viewonly=True)


class FulfillmentItem(UUIDPrimaryKey, TenantScoped, Base):
    __tablename__ = "orders_fulfillment_item"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    fulfillment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_fulfillment.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_item.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)


class Return(UUIDPrimaryKey, TenantScoped, Base):
    """Goods that came back; `restock` says whether they went back on hand."""

    __tablename__ = "orders_return"

    order_id: Mapped[uuid.UUID] = _order_fk()
    restock: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[ReturnItem]] = relationship(lazy="selectin", viewonly=True)


class ReturnItem(UUIDPrimaryKey, TenantScoped, Base):
    __tablename__ = "orders_return_item"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    return_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_return.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_item.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)


class InvoiceSequence(UUIDPrimaryKey, TenantScoped, Base):
    """The next number of a store's documents: `order` (year 0: orders are numbered once
    for all years), `invoice` and `credit_note` (per year, gapless). Locked FOR UPDATE (or
    incremented in place) by whoever takes a number, so numbers follow commits."""

    __tablename__ = "orders_sequence"
    __table_args__ = (UniqueConstraint("store_id", "kind", "year"),)

    store_id: Mapped[uuid.UUID] = _store_fk()
    kind: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    next_number: Mapped[int] = mapped_column(BigInteger, default=1)


class Invoice(UUIDPrimaryKey, TenantScoped, Base):
    """An issued invoice: its number and a snapshot of seller, buyer, lines and totals.
    Immutable: the ORM refuses to update it (there is no update path either)."""

    __tablename__ = "orders_invoice"
    __table_args__ = (UniqueConstraint("store_id", "number"), UniqueConstraint("order_id"))

    store_id: Mapped[uuid.UUID] = _store_fk()
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders_order.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    sequence_number: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    grand_total: Mapped[int] = mapped_column(BigInteger)
    vat_total: Mapped[int] = mapped_column(BigInteger)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditNote(UUIDPrimaryKey, TenantScoped, Base):
    """A refund's document (its own gapless sequence); immutable like an invoice."""

    __tablename__ = "orders_credit_note"
    __table_args__ = (UniqueConstraint("store_id", "number"),)

    store_id: Mapped[uuid.UUID] = _store_fk()
    order_id: Mapped[uuid.UUID] = _order_fk()
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders_invoice.id", ondelete="SET NULL")
    )
    number: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    sequence_number: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    vat_total: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(500))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class Cart(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A shopper's basket in one store: anonymous (found by its token, kept as a hash) or a
    signed-in customer's (one open cart each). Checked out once, into one order."""

    __tablename__ = "orders_cart"
    __table_args__ = (Index("ix_orders_cart_store_id_customer_id", "store_id", "customer_id"),)

    store_id: Mapped[uuid.UUID] = _store_fk()
    customer_id: Mapped[uuid.UUID | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, merged, checked_out
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders_order.id", ondelete="SET NULL")
    )


class CartItem(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A SKU in a cart and how many; prices are read when the cart is shown or checked out."""

    __tablename__ = "orders_cart_item"
    __table_args__ = (
        UniqueConstraint("cart_id", "sku"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    cart_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders_cart.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)


@event.listens_for(Invoice, "before_update")
@event.listens_for(CreditNote, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: Invoice | CreditNote) -> None:
    raise DocumentImmutable(f"{target.number} is issued and cannot be changed")
