"""Messaging errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import NotFound, ValidationFailed


class ConversationNotFound(NotFound):
    code = "conversation_not_found"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"


class NotificationNotFound(NotFound):
    code = "notification_not_found"


class AttachmentRefused(ValidationFailed):
    code = "attachment_refused"


class ConversationRefused(ValidationFailed):
    code = "conversation_refused"
