"""Orders DTOs: what the API and the console accept and answer.

Amounts are integers in the order's currency's minor unit (`MinorUnits`: 12.5 is refused
naming its field); VAT rates are basis points. `items[i]` in errors counts from 0.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from orion.kernel.data.money import Currency, MinorUnits
from orion.kernel.data.paging import KeysetListing, Listing
from orion.modules.email.schemas import normalize_address


class OrderState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PAID = "paid"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    COMPLETED = "completed"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


EmailAddress = Annotated[str, Field(max_length=320), AfterValidator(normalize_address)]
Quantity = Annotated[int, Field(gt=0, le=100_000)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


# -- placing ---------------------------------------------------------------------------------


class Address(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text
    company: str | None = Field(default=None, max_length=200)
    line1: Text
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(min_length=1, max_length=20)
    city: Text
    country: str = Field(
        min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2"
    )
    phone: str | None = Field(default=None, max_length=40)


class OrderItemCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    sku: str = Field(min_length=1, max_length=100)
    quantity: Quantity


class OrderCreate(BaseModel):
    """A checkout: lines are kept as given (two lines may sell the same SKU)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    items: list[OrderItemCreate] = Field(min_length=1, max_length=250)
    customer_email: EmailAddress
    customer_name: str | None = Field(default=None, max_length=200)
    shipping_address: Address | None = None
    billing_address: Address | None = None
    shipping_total: MinorUnits = Field(default=0, description="Shipping, VAT included")
    discount_total: MinorUnits = Field(
        default=0, description="An amount off the items total, VAT included"
    )
    currency: Currency | None = Field(default=None, description="The store's; another is refused")
    note: str | None = Field(default=None, max_length=2000, json_schema_extra={"multiline": True})


# -- steps -----------------------------------------------------------------------------------


class PaymentCreate(BaseModel):
    """A payment staff recorded by hand (bank transfer, cash): the amount received."""

    model_config = ConfigDict(extra="forbid")

    amount: MinorUnits | None = Field(default=None, description="The order's total if left out")
    reference: str | None = Field(default=None, max_length=200)


class CancelCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class LineQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: uuid.UUID
    quantity: Quantity


class FulfillmentCreate(BaseModel):
    """A shipment: the lines and how many of each (all that is left of every line if
    `lines` is left out)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    lines: list[LineQuantity] | None = Field(default=None, max_length=250)
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=200)


class ReturnCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    lines: list[LineQuantity] = Field(min_length=1, max_length=250)
    restock: bool = True
    reason: str | None = Field(default=None, max_length=500)


class RefundCreate(BaseModel):
    """Either an `amount` or `lines` (their unit prices times the quantities)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    amount: MinorUnits | None = None
    lines: list[LineQuantity] | None = Field(default=None, min_length=1, max_length=250)
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _one_of(self) -> RefundCreate:
        if (self.amount is None) == (self.lines is None):
            raise ValueError("give either an amount or lines")
        if self.amount == 0:
            raise ValueError("the amount must be greater than 0")
        return self


# -- answers ---------------------------------------------------------------------------------


class OrderItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    title: str
    unit_price: int
    vat_rate: int
    quantity: int
    line_total: int
    fulfilled_quantity: int
    returned_quantity: int
    refunded_quantity: int


class OrderPublic(BaseModel):
    """An order as lists show it (its items: `OrderDetailPublic`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    number: str
    state: OrderState
    currency: str
    customer_email: str
    customer_name: str | None
    items_total: int
    discount_total: int
    shipping_total: int
    vat_total: int
    grand_total: int
    paid_total: int
    refunded_total: int
    placed_at: datetime


class OrderEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    from_state: OrderState | None
    to_state: OrderState
    actor: str | None
    data: dict[str, Any] | None
    created_at: datetime


class FulfillmentLinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: uuid.UUID
    quantity: int


class FulfillmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID
    carrier: str | None
    tracking_number: str | None
    lines: list[FulfillmentLinePublic]
    created_at: datetime


class ReturnPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID
    restock: bool
    reason: str | None
    lines: list[FulfillmentLinePublic]
    created_at: datetime


class OrderDetailPublic(OrderPublic):
    shipping_vat_rate: int
    vat_breakdown: dict[str, Any]
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    note: str | None
    items: list[OrderItemPublic]


class InvoicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    order_id: uuid.UUID
    number: str
    year: int
    currency: str
    grand_total: int
    vat_total: int
    issued_at: datetime


class InvoiceDetailPublic(InvoicePublic):
    snapshot: dict[str, Any]


class CreditNotePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    order_id: uuid.UUID
    invoice_id: uuid.UUID | None
    number: str
    year: int
    currency: str
    amount: int
    vat_total: int
    reason: str | None
    issued_at: datetime


class RefundPublic(BaseModel):
    """What a refund did: the order afterwards and its credit note."""

    order: OrderPublic
    credit_note: CreditNotePublic


OrdersPublic = Listing[OrderPublic]
OrderPagePublic = KeysetListing[OrderPublic]
OrderEventsPublic = Listing[OrderEventPublic]
InvoicesPublic = Listing[InvoicePublic]
CreditNotesPublic = Listing[CreditNotePublic]
FulfillmentsPublic = Listing[FulfillmentPublic]


# -- the storefront: carts, checkout, a customer's orders --------------------------------------


class CartItemSet(BaseModel):
    """How many of a SKU the cart holds from now on (0 takes it out)."""

    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=0, le=100_000)


class CartLinePublic(BaseModel):
    sku: str
    quantity: int
    title: str | None = Field(description="None when the SKU is no longer on sale")
    unit_price: int | None
    line_total: int | None
    available: bool = Field(description="On sale, and enough in stock for this quantity")


class CartPublic(BaseModel):
    id: uuid.UUID
    store_id: uuid.UUID
    state: str
    currency: str
    items: list[CartLinePublic]
    items_total: int = Field(description="What the lines on sale cost now, VAT included")
    vat_total: int
    token: str | None = Field(
        default=None,
        description="Only when an anonymous cart is created: send it as `X-Cart-Token`",
    )
    order_id: uuid.UUID | None = None


class CheckoutCreate(BaseModel):
    """What checkout needs besides the cart: who buys (a signed-in customer's email by
    default) and where it goes."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: EmailAddress | None = Field(default=None, description="Required when not signed in")
    name: str | None = Field(default=None, max_length=200)
    shipping_address: Address | None = None
    billing_address: Address | None = None
    note: str | None = Field(default=None, max_length=2000, json_schema_extra={"multiline": True})


class ShopOrderPublic(BaseModel):
    """An order as its customer sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    number: str
    state: OrderState
    currency: str
    customer_email: str
    customer_name: str | None
    items_total: int
    discount_total: int
    shipping_total: int
    vat_total: int
    grand_total: int
    paid_total: int
    refunded_total: int
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    placed_at: datetime
    items: list[OrderItemPublic]


class CheckoutPublic(BaseModel):
    order: ShopOrderPublic
    access_token: str = Field(
        description="Opens this order (and its payment) without signing in: `X-Order-Token`"
    )


ShopOrdersPublic = KeysetListing[OrderPublic]
