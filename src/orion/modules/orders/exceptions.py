"""Orders errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import Conflict, FieldError, NotFound, OrionError, ValidationFailed


class OrdersError(OrionError):
    code = "orders_error"


class OrderNotFound(OrdersError, NotFound):
    code = "order_not_found"


class OrderItemNotFound(OrdersError, NotFound):
    code = "order_item_not_found"


class InvoiceNotFound(OrdersError, NotFound):
    code = "invoice_not_found"


class CreditNoteNotFound(OrdersError, NotFound):
    code = "credit_note_not_found"


class FulfillmentNotFound(OrdersError, NotFound):
    code = "fulfillment_not_found"


class InvalidOrderTransition(OrdersError, Conflict):
    """The order's state does not allow the step asked for."""

    code = "invalid_order_transition"

    def __init__(self, *, current: str, requested: str, action: str | None = None) -> None:
        what = f"{action} (to {requested})" if action else requested
        super().__init__(
            f"an order that is {current} cannot move to {what}",
            current_state=current,
            requested_state=requested,
        )


class InvoiceNotAllowed(OrdersError, Conflict):
    code = "invoice_not_allowed"

    def __init__(self, state: str) -> None:
        super().__init__(
            f"an order that is {state} has no invoice: confirm it or record its payment first",
            current_state=state,
        )


class NothingToRefund(OrdersError, Conflict):
    code = "nothing_to_refund"

    def __init__(self, *, refundable: int, requested: int) -> None:
        super().__init__(
            f"{refundable} of what was paid can still be refunded, not {requested}",
            refundable=refundable,
            requested=requested,
        )


class IdempotencyKeyReused(OrdersError, Conflict):
    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was used for a different order", idempotency_key=key
        )


class ConcurrentPlacement(OrdersError, Conflict):
    """A placement with the same key committed while this one ran: retry to get it."""

    code = "idempotency_key_in_use"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"an order with idempotency key {key!r} was placed meanwhile; retry to get it",
            idempotency_key=key,
        )


class DocumentImmutable(OrdersError, Conflict):
    """An issued invoice or credit note cannot be changed."""

    code = "document_immutable"


class OrderInvalid(OrdersError, ValidationFailed):
    """Bad input naming its field (`items[1].sku`, `discount_total`, `currency`)."""

    code = "validation_failed"

    @classmethod
    def field(cls, field: str, message: str) -> OrderInvalid:
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


class CartNotFound(OrdersError, NotFound):
    code = "cart_not_found"


class CartClosed(OrdersError, Conflict):
    """The cart was checked out or merged into another: it takes no more changes."""

    code = "cart_closed"


class CartInvalid(OrdersError, ValidationFailed):
    code = "cart_invalid"

    @classmethod
    def field(cls, name: str, message: str) -> CartInvalid:
        return cls(f"{name}: {message}", errors=[FieldError(name, message)])
