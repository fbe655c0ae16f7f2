"""Inventory errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import Conflict, FieldError, NotFound, OrionError


class InventoryError(OrionError):
    """Base of the errors of the inventory module."""

    code = "inventory_error"


class LocationNotFound(InventoryError, NotFound):
    code = "location_not_found"


class LevelNotFound(InventoryError, NotFound):
    code = "stock_level_not_found"


class ReservationNotFound(InventoryError, NotFound):
    code = "reservation_not_found"


class LocationCodeTaken(InventoryError, Conflict):
    code = "location_code_taken"

    def __init__(self, code: str) -> None:
        super().__init__(
            f"the store already has a location with code {code!r}",
            errors=[FieldError("code", f"{code!r} is already used in this store", "taken")],
        )


class LocationInUse(InventoryError, Conflict):
    """A location that holds stock levels keeps its ledger: deactivate it instead."""

    code = "location_in_use"

    def __init__(self) -> None:
        super().__init__("the location has stock levels and their history; deactivate it instead")


class InsufficientStock(InventoryError, Conflict):
    """Not enough available stock for `field` (an order line's `items[i].quantity`, or a
    transfer's or adjustment's `quantity`)."""

    code = "insufficient_stock"

    def __init__(self, *, field: str, sku: str | None, requested: int, available: int) -> None:
        what = f"SKU {sku}" if sku else "this item"
        super().__init__(
            f"not enough stock of {what}: {requested} wanted, {available} available",
            errors=[
                FieldError(field, f"only {available} of {what} available", "insufficient_stock")
            ],
            sku=sku,
            requested=requested,
            available=available,
        )


class BelowReserved(InventoryError, Conflict):
    """An adjustment would leave fewer units on hand than open orders hold."""

    code = "stock_below_reserved"

    def __init__(self, *, field: str, on_hand: int, reserved: int) -> None:
        super().__init__(
            f"{on_hand} on hand would be fewer than the {reserved} reserved by open orders",
            errors=[FieldError(field, f"must leave at least {reserved} on hand (reserved)")],
            reserved=reserved,
        )


class IdempotencyKeyReused(InventoryError, Conflict):
    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was used for a different request", idempotency_key=key
        )
