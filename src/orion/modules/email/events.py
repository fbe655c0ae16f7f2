"""Events the email module publishes."""

from __future__ import annotations

import uuid
from typing import ClassVar

from orion.kernel.runtime.events import Event


class MessageSent(Event):
    name: ClassVar[str] = "email.message_sent"

    message_id: uuid.UUID
    template: str
    attempts: int


class MessageFailed(Event):
    """The message was given up on; `reason` says why (the server's reply or the error)."""

    name: ClassVar[str] = "email.message_failed"

    message_id: uuid.UUID
    template: str
    attempts: int
    reason: str
