"""Email business logic: SMTP configurations, queueing templated mail, delivering it.

The module's public surface for other modules: `queue_email(session, *, tenant_id, to,
template, context)` renders a template and queues the message; the `email.send_message`
task sends it once the caller's transaction commits.

* `config`: a tenant's own SMTP server, a platform's default, which one sends;
* `outbox`: queueing messages and reading them back;
* `delivery`: the SMTP conversation of one message, and requeueing lost ones;
* `keys`: re-encrypting stored secrets (`orion keys rotate`);
* `handlers`: the mail sent on other modules' events.

Functions take the session first, then the tenant they act for; they flush, never commit.
"""

from orion.modules.email.services.config import (
    delete_config,
    delete_platform_config,
    effective_config,
    email_settings,
    find_config,
    get_config,
    platform_default,
    public_config,
    put_config,
    put_platform_config,
)
from orion.modules.email.services.delivery import Delivery, deliver, requeue_stale
from orion.modules.email.services.handlers import (
    on_credits_low,
    on_invitation_created,
    on_password_reset_requested,
    on_tenant_deleted,
)
from orion.modules.email.services.keys import rotate_secrets
from orion.modules.email.services.outbox import (
    SEND_TASK,
    all_messages_listing,
    get_any_message,
    get_message,
    list_all_messages,
    list_messages,
    messages_listing,
    queue_email,
    send_test,
)

__all__ = [
    "SEND_TASK",
    "Delivery",
    "all_messages_listing",
    "delete_config",
    "delete_platform_config",
    "deliver",
    "effective_config",
    "email_settings",
    "find_config",
    "get_any_message",
    "get_config",
    "get_message",
    "list_all_messages",
    "list_messages",
    "messages_listing",
    "on_credits_low",
    "on_invitation_created",
    "on_password_reset_requested",
    "on_tenant_deleted",
    "platform_default",
    "public_config",
    "put_config",
    "put_platform_config",
    "queue_email",
    "requeue_stale",
    "rotate_secrets",
    "send_test",
]
