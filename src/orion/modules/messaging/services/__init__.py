"""Messaging business logic: conversations, attachments, notifications and digests.

* `conversations`: conversations, messages, read state, attachment downloads;
* `attachments`: checking uploads by content and storing them;
* `notifications`: in-app notifications raised by events, and preferences;
* `digests`: the daily email digest of unread notifications.

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
from orion.modules.messaging.services.participants import Participant, participant_of

__all__ = [
    "Participant",
    "Upload",
    "check_uploads",
    "conversations_listing",
    "create_conversation",
    "get_attachment",
    "get_conversation",
    "get_preferences",
    "mark_notifications_read",
    "mark_read",
    "message_public",
    "messages_listing",
    "notifications_listing",
    "notify",
    "on_credits_low",
    "on_order_placed",
    "on_out_of_stock",
    "on_stock_low",
    "participant_of",
    "post_message",
    "put_preferences",
    "record_customer_message",
    "send_digests",
    "unread_messages",
    "unread_notifications",
]
