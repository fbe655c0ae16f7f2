"""The daily email digest: each user's unread notifications not yet sent in a digest, in
one mail through the email module (`messaging.send_digests`, per tenant).

Idempotent: the notifications sent are stamped `digested_at` in the same transaction that
queues the mail, under a per-tenant lock, so a second run (or two at once) sends nothing
new.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.db import serialise, utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime import runtime_of
from orion.modules.email import services as email
from orion.modules.messaging.models import Notification
from orion.modules.messaging.repository import NotificationRepository
from orion.modules.tenancy import services as tenancy

DIGEST = "messaging/digest"


def send_digests(session: Session, tenant: TenantContext) -> int:
    """Queue one digest per user with something new; how many mails were queued."""
    serialise(session, "messaging.digest", tenant.tenant_id)
    with acting_for(session, tenant):
        repository = NotificationRepository(session)
        pending = repository.for_digest()
        if not pending:
            return 0
        by_user: dict[uuid.UUID, list[Notification]] = {}
        for row in pending:
            by_user.setdefault(row.user_id, []).append(row)
        members, _ = tenancy.list_members(session, tenant)
        addresses = {m.user_id: m.email for m in members if m.email}
        base_url = runtime_of(session).settings.base_url.rstrip("/")
        sent = 0
        for user_id, rows in by_user.items():
            address = addresses.get(user_id)
            if address is None:  # no longer a member: nothing to tell them
                continue
            email.queue_email(
                session,
                tenant_id=tenant.tenant_id,
                to=address,
                template=DIGEST,
                context={
                    "count": len(rows),
                    "items": [
                        {
                            "title": row.title,
                            "body": row.body,
                            "url": f"{base_url}{row.link}" if row.link else "",
                        }
                        for row in rows
                    ],
                    "notifications_url": f"{base_url}/console/messaging/notifications",
                },
            )
            sent += 1
        repository.mark_digested([row.id for row in pending], utcnow())
    return sent
