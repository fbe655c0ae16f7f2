"""Events catalog publishes: its public contract with the other modules."""

from __future__ import annotations

import uuid
from typing import ClassVar

from orion.kernel.runtime.events import Event


class ProductCreated(Event):
    name: ClassVar[str] = "catalog.product_created"

    product_id: uuid.UUID
    store_id: uuid.UUID
    sku: str
    status: str


class ProductUpdated(Event):
    """What changed: the names of the fields (`price`, `status`, `variants`, ...)."""

    name: ClassVar[str] = "catalog.product_updated"

    product_id: uuid.UUID
    store_id: uuid.UUID
    sku: str
    status: str
    changed: list[str]


class ProductDeleted(Event):
    name: ClassVar[str] = "catalog.product_deleted"

    product_id: uuid.UUID
    store_id: uuid.UUID
    sku: str
