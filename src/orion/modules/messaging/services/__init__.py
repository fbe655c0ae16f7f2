"""Messaging business logic: conversations, attachments, notifications and digests.

* `conversations`: conversations, messages, read state, attachment downloads;
* `attachments`: checking uploads by content and storing them;
* `notifications`: in-app notifications raised by events, and preferences;
* `digests`: the daily email digest of unread notifications;
* `operators`: the platform operators' conversations with tenants, across tenants;
* `operator_notifications`: the operators' notifications from monitoring's events;
* `authors`: authors' names (auth's users service);
* `demo`: the demo's conversations and notifications.

Functions take the session first, then the tenant they act for; they flush, never commit.
"""

from orion.modules.messaging.services.attachments import Upload, check_uploads
from orion.modules.messaging.services.conversations import (
    conversations_listing,
    create_conversation,
    get_attachment,
    get_conversation,
    mark_read,
    message_public,
    messages_listing,
    post_message,
    record_customer_message,
    unread_messages,
)
from orion.modules.messaging.services.demo import seed_demo
from orion.modules.messaging.services.digests import send_digests
from orion.modules.messaging.services.notifications import (
    get_preferences,
    mark_notifications_read,
    notifications_listing,
    notify,
    on_credits_low,
    on_order_placed,
    on_out_of_stock,
    on_stock_low,
    put_preferences,
    unread_notifications,
)
from orion.modules.messaging.services.operator_notifications import (
    get_operator_preferences,
    mark_operator_notifications_read,
    on_monitoring_notification_acknowledged,
    on_monitoring_notification_opened,
    operator_notifications_listing,
    operator_unread_notifications,
    put_operator_preferences,
)
from orion.modules.messaging.services.operators import (
    TenantChoice,
    find_tenant,
    operator_conversations,
    operator_of,
    operator_unread,
    start_conversation,
    tenant_choices,
    tenant_of_attachment,
    tenant_of_conversation,
)
from orion.modules.messaging.services.participants import Participant, participant_of

__all__ = [
    "Participant",
    "TenantChoice",
    "Upload",
    "check_uploads",
    "conversations_listing",
    "create_conversation",
    "find_tenant",
    "get_attachment",
    "get_conversation",
    "get_operator_preferences",
    "get_preferences",
    "mark_notifications_read",
    "mark_operator_notifications_read",
    "mark_read",
    "message_public",
    "messages_listing",
    "notifications_listing",
    "notify",
    "on_credits_low",
    "on_monitoring_notification_acknowledged",
    "on_monitoring_notification_opened",
    "on_order_placed",
    "on_out_of_stock",
    "on_stock_low",
    "operator_conversations",
    "operator_notifications_listing",
    "operator_of",
    "operator_unread",
    "operator_unread_notifications",
    "participant_of",
    "post_message",
    "put_operator_preferences",
    "put_preferences",
    "record_customer_message",
    "seed_demo",
    "send_digests",
    "start_conversation",
    "tenant_choices",
    "tenant_of_attachment",
    "tenant_of_conversation",
    "unread_messages",
    "unread_notifications",
]
