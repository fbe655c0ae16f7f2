"""Events billing publishes (its public contract)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from orion.kernel.runtime.events import Event


class SubscriptionChanged(Event):
    """A tenant's subscription started, changed plan or status, or ended."""

    name: ClassVar[str] = "billing.subscription_changed"

    subscription_id: uuid.UUID
    plan_id: uuid.UUID
    status: str
    previous_plan_id: uuid.UUID | None = None
    previous_status: str | None = None
    reason: str
