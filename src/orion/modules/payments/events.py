"""Events payments publishes: its public contract with the other modules.

Orders listens (after commit, once per event): a capture becomes a payment recorded on the
order (`paid` once paid in full), a refund becomes the order's refund with its credit note.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from orion.kernel.runtime.events import Event


class PaymentCaptured(Event):
    """Money was taken: a Stripe capture, or a bank transfer marked received."""

    name: ClassVar[str] = "payments.payment_captured"

    order_id: uuid.UUID
    store_id: uuid.UUID
    payment_id: uuid.UUID
    capture_id: uuid.UUID
    amount: int
    currency: str
    provider: str


class PaymentRefunded(Event):
    """Money was given back on a payment (through Orion or at the provider)."""

    name: ClassVar[str] = "payments.payment_refunded"

    order_id: uuid.UUID
    store_id: uuid.UUID
    payment_id: uuid.UUID
    refund_id: uuid.UUID
    amount: int
    currency: str
    provider: str
    reason: str | None = None
