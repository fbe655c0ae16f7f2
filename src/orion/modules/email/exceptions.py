"""Email errors. Delivery errors are raised and caught inside the module: a transient one
makes the send task retry, a permanent one is recorded on the message."""

from __future__ import annotations

from orion.kernel.errors import NotFound, OrionError, TransientError, ValidationFailed


class EmailError(OrionError):
    code = "email_error"


class EmailConfigNotFound(NotFound):
    code = "email_config_not_found"


class EmailMessageNotFound(NotFound):
    code = "email_message_not_found"


class EmailTemplateNotFound(ValidationFailed):
    code = "email_template_not_found"


class InvalidRecipient(ValidationFailed):
    code = "invalid_recipient"


class SecretUnreadable(EmailError):
    """A stored SMTP password that no configured encryption key opens."""

    status = 500
    code = "email_secret_unreadable"


class DeliveryDeferred(TransientError):
    """The server could not take the message now (4xx reply, connection refused): retry."""

    code = "email_delivery_deferred"


class DeliveryFailed(EmailError):
    """The message cannot be delivered as configured (5xx reply, bad login, no server)."""

    status = 502
    code = "email_delivery_failed"
