"""Events orders publishes: its public contract with the other modules.

Inventory imports this file: it reserves stock on `OrderPlaced` (in the placing
transaction), turns reservations into fulfilment on `FulfillmentCreated`,
restocks on `ReturnReceived` and releases on `OrderCanceled`. The reservation
reference is ``f"order:{order_id}"``.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from orion.kernel.runtime.events import Event


class OrderLine(BaseModel):
    """One line of an order as other modules see it (position is 0-based)."""

    model_config = ConfigDict(frozen=True)

    position: int
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    sku: str
    quantity: int


class OrderPlaced(Event):
    """An order was placed (published in the placing transaction)."""

    name: ClassVar[str] = "orders.order_placed"

    order_id: uuid.UUID
    store_id: uuid.UUID
    lines: list[OrderLine]
    grand_total: int
    currency: str


class OrderPaid(Event):
    """A payment was recorded that makes the order paid."""

    name: ClassVar[str] = "orders.order_paid"

    order_id: uuid.UUID
    store_id: uuid.UUID
    amount: int
    currency: str


class OrderCanceled(Event):
    """The order was canceled: its remaining reservations are to be released."""

    name: ClassVar[str] = "orders.order_canceled"

    order_id: uuid.UUID
    store_id: uuid.UUID


class OrderFulfilled(Event):
    """Every item of the order has been shipped."""

    name: ClassVar[str] = "orders.order_fulfilled"

    order_id: uuid.UUID
    store_id: uuid.UUID


class FulfillmentCreated(Event):
    """A shipment left with these lines (quantities shipped in this fulfilment)."""

    name: ClassVar[str] = "orders.fulfillment_created"

    order_id: uuid.UUID
    store_id: uuid.UUID
    fulfillment_id: uuid.UUID
    lines: list[OrderLine]


class ReturnReceived(Event):
    """Returned goods were received; ``restock`` says whether they go back on hand."""

    name: ClassVar[str] = "orders.return_received"

    order_id: uuid.UUID
    store_id: uuid.UUID
    return_id: uuid.UUID
    lines: list[OrderLine]
    restock: bool
