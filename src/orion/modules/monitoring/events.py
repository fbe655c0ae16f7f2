"""Events monitoring publishes (platform-level: no tenant): a notification opened and one
acknowledged, for a module that tells operators (messaging's operator notifications) or
would page someone (email, chat)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from orion.kernel.runtime.events import Event


class NotificationOpened(Event):
    """A new admin notification (not a repeat of one still open)."""

    name: ClassVar[str] = "monitoring.notification_opened"

    notification_id: uuid.UUID
    kind: str
    key: str
    severity: str
    title: str
    detail: str | None = None
    # The platform whose own threshold was crossed (None: the deployment).
    platform_id: uuid.UUID | None = None


class NotificationAcknowledged(Event):
    """An operator acknowledged an open notification."""

    name: ClassVar[str] = "monitoring.notification_acknowledged"

    notification_id: uuid.UUID
    acknowledged_by: uuid.UUID | None = None
