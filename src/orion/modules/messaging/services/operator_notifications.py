"""The platform operators' in-app notifications, raised by monitoring's events.

Handled by name (`monitoring.notification_opened`, `monitoring.notification_acknowledged`):
monitoring is internal and messaging optional, so neither lists the other; the kernel
rebuilds the event as monitoring's class when monitoring is installed, and without it
nothing is published. One row per notification for the whole operator team; each
operator has their own read state and chooses per kind whether it shows in the console.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.paging import Page
from orion.modules.messaging.models import OperatorNotification, OperatorPreference
from orion.modules.messaging.repository import (
    OperatorNotificationRepository,
    OperatorPreferenceRepository,
)
from orion.modules.messaging.schemas import (
    OperatorNotificationKind,
    OperatorNotificationsPublic,
    OperatorPreferencePublic,
    OperatorPreferencesPublic,
    OperatorPreferencesUpdate,
)

NOTIFICATIONS_PAGE = "/console/platform/monitoring/notifications"
KINDS = {kind.value for kind in OperatorNotificationKind}


def on_monitoring_notification_opened(session: Session, event: Any) -> None:
    """monitoring.notification_opened: the operators hear of it (once per notification)."""
    if event.kind not in KINDS:
        return  # a kind this version does not know: monitoring's own page shows it
    insert_or_ignore(
        session,
        OperatorNotification,
        {
            "id": uuid.uuid4(),
            "source_id": event.notification_id,
            "kind": event.kind,
            "severity": event.severity,
            "title": event.title[:300],
            "body": (getattr(event, "detail", None) or "")[:2000],
            "link": NOTIFICATIONS_PAGE,
            "platform_id": getattr(event, "platform_id", None),
            "created_at": event.occurred_at,
        },
        unique=("source_id",),
    )


def on_monitoring_notification_acknowledged(session: Session, event: Any) -> None:
    """monitoring.notification_acknowledged: it is closed for every operator."""
    OperatorNotificationRepository(session).close(
        event.notification_id, by=getattr(event, "acknowledged_by", None), at=utcnow()
    )


def operator_notifications_listing(
    session: Session, *, user_id: uuid.UUID, page: Page, unread_only: bool = False
) -> OperatorNotificationsPublic:
    """The operator's notifications (of the kinds they want shown), newest first."""
    repository = OperatorNotificationRepository(session)
    hidden = hidden_kinds(session, user_id)
    listing = repository.listing(
        OperatorNotificationsPublic,
        repository.shown_to(user_id, hidden=hidden, unread_only=unread_only),
        page,
        OperatorNotification.created_at.desc(),
        columns={"read": None},
    )
    read = repository.read_of(user_id, [row.id for row in listing.data])
    for row in listing.data:
        row.read = row.id in read
    return listing


def operator_unread_notifications(session: Session, *, user_id: uuid.UUID) -> int:
    return OperatorNotificationRepository(session).unread_count(
        user_id, hidden=hidden_kinds(session, user_id)
    )


def mark_operator_notifications_read(
    session: Session, *, user_id: uuid.UUID, ids: Collection[uuid.UUID] | None = None
) -> int:
    """Mark the operator's notifications read (`ids`, or every one shown); how many."""
    repository = OperatorNotificationRepository(session)
    unread = repository.unread_ids(user_id, hidden=hidden_kinds(session, user_id), among=ids)
    return repository.mark_read(user_id, unread, utcnow())


def hidden_kinds(session: Session, user_id: uuid.UUID) -> set[str]:
    return {
        row.kind for row in OperatorPreferenceRepository(session).of_user(user_id) if not row.in_app
    }


def get_operator_preferences(session: Session, *, user_id: uuid.UUID) -> OperatorPreferencesPublic:
    hidden = hidden_kinds(session, user_id)
    return OperatorPreferencesPublic(
        preferences=[
            OperatorPreferencePublic(kind=kind, in_app=kind.value not in hidden)
            for kind in OperatorNotificationKind
        ]
    )


def put_operator_preferences(
    session: Session, *, user_id: uuid.UUID, data: OperatorPreferencesUpdate
) -> OperatorPreferencesPublic:
    """Set the kinds given (others keep their choice)."""
    repository = OperatorPreferenceRepository(session)
    existing = {row.kind: row for row in repository.of_user(user_id)}
    for choice in data.preferences:
        row = existing.get(choice.kind.value)
        if row is None:
            row = repository.add(OperatorPreference(user_id=user_id, kind=choice.kind.value))
            existing[row.kind] = row
        row.in_app = choice.in_app
    session.flush()
    return get_operator_preferences(session, user_id=user_id)
