"""Thresholds and admin notifications.

A threshold's value is an operator's override (`monitoring_threshold`) or the deployment's
setting. A notification is deduplicated while open: one row per key (`open_key` unique),
a repeat adds to its occurrences; once acknowledged (who, when) the next occurrence opens
a new one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.runtime.events import publish
from orion.modules.monitoring.events import NotificationOpened
from orion.modules.monitoring.models import METRICS, CapacitySnapshot, Notification, Threshold
from orion.modules.monitoring.repository import (
    NotificationRepository,
    TaskRunRepository,
    ThresholdRepository,
)
from orion.modules.monitoring.schemas import NotificationsPublic, ThresholdPublic
from orion.modules.monitoring.services.common import session_settings

Severity = Literal["info", "warning", "error"]
MB = 1024 * 1024


# -- thresholds --------------------------------------------------------------------------------


def threshold_value(session: Session, metric: str) -> int:
    row = ThresholdRepository(session).by_metric(metric)
    return row.value if row is not None else int(getattr(session_settings(session), metric))


def list_thresholds(session: Session) -> list[ThresholdPublic]:
    settings = session_settings(session)
    repository = ThresholdRepository(session)
    shown = []
    for metric in METRICS:
        default = int(getattr(settings, metric))
        row = repository.by_metric(metric)
        shown.append(
            ThresholdPublic(
                metric=metric,  # type: ignore[arg-type]
                value=row.value if row else default,
                default=default,
                overridden=row is not None,
                updated_at=row.updated_at if row else None,
            )
        )
    return shown


def set_threshold(
    session: Session, metric: str, *, value: int | None, updated_by: uuid.UUID | None
) -> ThresholdPublic:
    """Override a threshold (`value=None`: back to the deployment's setting)."""
    repository = ThresholdRepository(session)
    row = repository.by_metric(metric)
    if value is None:
        if row is not None:
            repository.delete(row)
    elif row is None:
        repository.add(Threshold(metric=metric, value=value, updated_by=updated_by))
    else:
        row.value, row.updated_by = value, updated_by
    session.flush()
    return next(t for t in list_thresholds(session) if t.metric == metric)


# -- notifications -----------------------------------------------------------------------------


def raise_notification(
    session: Session,
    *,
    kind: str,
    key: str,
    title: str,
    detail: str | None = None,
    severity: Severity = "warning",
    occurrences: int = 1,
) -> Notification:
    """Open a notification for `key`, or add to the one still open."""
    repository = NotificationRepository(session)
    now = utcnow()
    row = repository.open_with(key, lock=True)
    if row is None:
        row = Notification(
            kind=kind,
            key=key,
            open_key=key,
            severity=severity,
            title=title[:300],
            detail=detail,
            occurrences=occurrences,
            first_seen_at=now,
            last_seen_at=now,
        )
        try:
            with session.begin_nested():
                repository.add(row)
        except IntegrityError:  # opened meanwhile by a concurrent capture: add to it
            row = repository.open_with(key, lock=True)
            assert row is not None
        else:
            publish(
                session,
                NotificationOpened(
                    notification_id=row.id, kind=kind, key=key, severity=severity, title=row.title
                ),
            )
            return row
    row.occurrences += occurrences
    row.last_seen_at = now
    row.title, row.detail, row.severity = title[:300], detail, severity
    session.flush()
    return row


def acknowledge(
    session: Session, notification_id: uuid.UUID, *, by: uuid.UUID | None
) -> Notification:
    """Acknowledge (who, when); acknowledging again changes nothing."""
    row = NotificationRepository(session).get(notification_id, lock=True)
    if row.state == "open":
        row.state, row.open_key = "acknowledged", None
        row.acknowledged_by, row.acknowledged_at = by, utcnow()
        session.flush()
    return row


def get_notification(session: Session, notification_id: uuid.UUID) -> Notification:
    return NotificationRepository(session).get(notification_id)


def notifications_listing(
    session: Session, *, page: Page, state: str | None = None, kind: str | None = None
) -> NotificationsPublic:
    repository = NotificationRepository(session)
    query = repository.select()
    if state:
        query = query.where(Notification.state == state)
    if kind:
        query = query.where(Notification.kind == kind)
    return repository.listing(NotificationsPublic, query, page, Notification.last_seen_at.desc())


def open_count(session: Session) -> int:
    return NotificationRepository(session).open_count()


# -- what a snapshot calls for -----------------------------------------------------------------


def evaluate(session: Session, snapshot: CapacitySnapshot, *, failed_since) -> list[Notification]:  # type: ignore[no-untyped-def]
    """Notifications for the task runs failed since `failed_since` (one per task) and for
    each threshold the snapshot crosses."""
    raised: list[Notification] = []
    failures: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for run in TaskRunRepository(session).failed_since(failed_since):
        failures[run.name].append(run)
    for name, runs in sorted(failures.items()):
        last = runs[-1]
        raised.append(
            raise_notification(
                session,
                kind="task_failed",
                key=f"task_failed:{name}",
                title=f"Task {name} failed",
                detail=f"{len(runs)} run(s) {last.state}; last error: {last.error or '(none)'}"
                f" (run {last.id})",
                severity="error",
                occurrences=len(runs),
            )
        )
    settings = session_settings(session)
    rate_limit = threshold_value(session, "failure_rate_percent")
    if (
        snapshot.runs_finished >= settings.failure_rate_min_runs
        and snapshot.failure_rate_bp > rate_limit * 100
    ):
        raised.append(
            raise_notification(
                session,
                kind="threshold",
                key="threshold:failure_rate_percent",
                title=f"Task failure rate {snapshot.failure_rate_bp / 100:.1f} % "
                f"is above {rate_limit} %",
                detail=f"{snapshot.runs_failed} of {snapshot.runs_finished} runs failed in the "
                f"last {settings.failure_window_minutes} minutes",
            )
        )
    depth_limit = threshold_value(session, "queue_depth")
    for queue, depth in sorted(snapshot.queue_depths.items()):
        if depth is not None and depth > depth_limit:
            raised.append(
                raise_notification(
                    session,
                    kind="threshold",
                    key=f"threshold:queue_depth:{queue}",
                    title=f"Queue {queue} holds {depth} messages, above {depth_limit}",
                    detail="Workers are not keeping up, or none consumes this queue.",
                )
            )
    size_limit = threshold_value(session, "database_mb")
    if snapshot.database_bytes is not None and snapshot.database_bytes > size_limit * MB:
        raised.append(
            raise_notification(
                session,
                kind="threshold",
                key="threshold:database_mb",
                title=f"Database is {snapshot.database_bytes / MB:.1f} MB, above {size_limit} MB",
            )
        )
    if snapshot.outbox_stalled:
        minutes = threshold_value(session, "outbox_stalled_minutes")
        raised.append(
            raise_notification(
                session,
                kind="outbox_stalled",
                key="outbox_stalled",
                title=f"{snapshot.outbox_stalled} outbox event(s) undelivered for more than "
                f"{minutes} minutes",
                detail="The outbox stopped draining: is a worker consuming the default queue, "
                "and is `kernel.sweep_outbox` scheduled?",
                severity="error",
            )
        )
    return raised
