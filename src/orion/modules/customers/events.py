"""Events customers publishes (its public contract). None carries a secret: the password
reset token goes straight into an encrypted mail, never into the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from orion.kernel.runtime.events import Event


class CustomerRegistered(Event):
    """A shopper opened an account on the storefront."""

    name: ClassVar[str] = "customers.customer_registered"

    customer_id: uuid.UUID
    store_id: uuid.UUID


class CustomerCreated(Event):
    """Staff (or a checkout, `source` "checkout") added a customer without a password."""

    name: ClassVar[str] = "customers.customer_created"

    customer_id: uuid.UUID
    store_id: uuid.UUID
    source: str


class CustomerDeactivated(Event):
    """The customer can no longer sign in; its sessions ended."""

    name: ClassVar[str] = "customers.customer_deactivated"

    customer_id: uuid.UUID
    store_id: uuid.UUID


class CustomerPasswordChanged(Event):
    """A new password was set (`how`: "changed", "reset"); other sessions ended."""

    name: ClassVar[str] = "customers.password_changed"

    customer_id: uuid.UUID
    store_id: uuid.UUID
    how: str


class CustomerPasswordResetRequested(Event):
    """A reset mail was queued (the token is in the mail only)."""

    name: ClassVar[str] = "customers.password_reset_requested"

    customer_id: uuid.UUID
    store_id: uuid.UUID
    expires_at: datetime


class CustomerErased(Event):
    """The customer was anonymised on request, and every `customer_data` provider with it."""

    name: ClassVar[str] = "customers.customer_erased"

    customer_id: uuid.UUID
    store_id: uuid.UUID
