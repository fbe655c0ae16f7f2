"""Events monitoring publishes (platform-level: no tenant): a notification opened, for a
module that would page someone (email, chat)."""

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
