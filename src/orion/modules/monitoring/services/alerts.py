"""Thresholds, admin notifications and the purge of old snapshots.

A threshold's value is an operator's override (`monitoring_threshold`), deployment-wide or
for one platform, or the deployment's setting. A notification is deduplicated while open:
one row per key (`open_key` unique), a repeat adds to its occurrences; once acknowledged
(who, when) the next occurrence opens a new one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.contract.points import WEBHOOK_FAILURES, WebhookFailures
from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.errors import FieldError
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.modules.monitoring.events import NotificationAcknowledged, NotificationOpened
from orion.modules.monitoring.exceptions import ThresholdRefused
from orion.modules.monitoring.models import (
    METRICS,
    PLATFORM_METRICS,
    CapacitySnapshot,
    Notification,
    Threshold,
)
from orion.modules.monitoring.repository import (
    NotificationRepository,
    SnapshotRepository,
    TaskRunRepository,
    ThresholdRepository,
)
from orion.modules.monitoring.schemas import (
    NotificationsPublic,
    PlatformThresholdsPublic,
    ThresholdPublic,
)
from orion.modules.monitoring.services.common import session_settings
from orion.modules.tenancy import services as tenancy

Severity = Literal["info", "warning", "error"]
MB = 1024 * 1024


# -- thresholds --------------------------------------------------------------------------------


def threshold_value(session: Session, metric: str, platform_id: uuid.UUID | None = None) -> int:
    """The value in force: the platform's override, else the deployment-wide override, else
    the deployment's setting."""
    repository = ThresholdRepository(session)
    if platform_id is not None:
        row = repository.by_metric(metric, platform_id)
        if row is not None:
            return row.value
    row = repository.by_metric(metric)
    return row.value if row is not None else int(getattr(session_settings(session), metric))


def list_thresholds(
    session: Session, platform_id: uuid.UUID | None = None
) -> list[ThresholdPublic]:
    """Each threshold's value in force deployment-wide, or for one platform (only those
    measured per platform), with what applies without the override (`default`)."""
    settings = session_settings(session)
    repository = ThresholdRepository(session)
    shown = []
    for metric in PLATFORM_METRICS if platform_id is not None else METRICS:
        deployment = repository.by_metric(metric)
        default = int(getattr(settings, metric))
        row = deployment
        if platform_id is not None:
            default = deployment.value if deployment else default
            row = repository.by_metric(metric, platform_id)
        shown.append(
            ThresholdPublic(
                metric=metric,  # type: ignore[arg-type]
                value=row.value if row else default,
                default=default,
                overridden=row is not None,
                platform_id=platform_id,
                updated_at=row.updated_at if row else None,
            )
        )
    return shown


def set_threshold(
    session: Session,
    metric: str,
    *,
    value: int | None,
    updated_by: uuid.UUID | None,
    platform_id: uuid.UUID | None = None,
) -> ThresholdPublic:
    """Override a threshold deployment-wide or for one platform (`value=None`: remove the
    override). A platform's override makes its own figures judged by it, apart from the
    deployment-wide figure."""
    if platform_id is not None:
        if metric not in PLATFORM_METRICS:
            raise ThresholdRefused(
                f"{metric} is measured for the whole deployment only",
                errors=[
                    FieldError(
                        "metric",
                        "queues and the database are shared by every platform: set this "
                        "threshold for the whole deployment",
                    )
                ],
            )
        tenancy.get_platform(session, platform_id)  # 404 platform_not_found
    repository = ThresholdRepository(session)
    row = repository.by_metric(metric, platform_id)
    if value is None:
        if row is not None:
            repository.delete(row)
    elif row is None:
        repository.add(
            Threshold(metric=metric, platform_id=platform_id, value=value, updated_by=updated_by)
        )
    else:
        row.value, row.updated_by = value, updated_by
    session.flush()
    return next(t for t in list_thresholds(session, platform_id) if t.metric == metric)


def platform_overrides(session: Session) -> list[PlatformThresholdsPublic]:
    """Every platform with the thresholds measured per platform, overridden or inherited."""
    return [
        PlatformThresholdsPublic(
            platform_id=platform.id,
            code=platform.code,
            name=platform.name,
            thresholds=list_thresholds(session, platform.id),
        )
        for platform in all_platforms(session)
    ]


def all_platforms(session: Session) -> list[Any]:
    """Every platform (tenancy pages them: read them all, 500 at a time)."""
    found: list[Any] = []
    while True:
        platforms, count = tenancy.list_platforms(session, page=Page(limit=500, offset=len(found)))
        found += platforms
        if not platforms or len(found) >= count:
            return found


def platform_names(session: Session) -> dict[uuid.UUID, str]:
    return {platform.id: platform.name for platform in all_platforms(session)}


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
    platform_id: uuid.UUID | None = None,
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
            platform_id=platform_id,
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
                    notification_id=row.id,
                    kind=kind,
                    key=key,
                    severity=severity,
                    title=row.title,
                    detail=detail,
                    platform_id=platform_id,
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
        publish(session, NotificationAcknowledged(notification_id=row.id, acknowledged_by=by))
    return row


def get_notification(session: Session, notification_id: uuid.UUID) -> Notification:
    return NotificationRepository(session).get(notification_id)


def notifications_listing(
    session: Session,
    *,
    page: Page,
    state: str | None = None,
    kind: str | None = None,
    platform_id: uuid.UUID | None = None,
) -> NotificationsPublic:
    repository = NotificationRepository(session)
    query = repository.select()
    if state:
        query = query.where(Notification.state == state)
    if kind:
        query = query.where(Notification.kind == kind)
    if platform_id:
        query = query.where(Notification.platform_id == platform_id)
    return repository.listing(NotificationsPublic, query, page, Notification.last_seen_at.desc())


def open_count(session: Session) -> int:
    return NotificationRepository(session).open_count()


# -- what a snapshot calls for -----------------------------------------------------------------


def failed_webhooks(session: Session, since: datetime) -> dict[str, WebhookFailures]:
    """Per module receiving webhooks (billing, payments: the kernel's `webhook_failures`
    point), those received since `since` that failed."""
    providers = runtime_of(session).registry.all_providers(WEBHOOK_FAILURES)
    return {module: report(session, since) for module, report in providers}


def evaluate(
    session: Session, snapshot: CapacitySnapshot, *, failed_since: datetime
) -> list[Notification]:
    """Notifications for the task runs and webhooks failed since `failed_since` (one per
    task, one per module's webhooks) and for each threshold the snapshot crosses: a
    platform with its own value for a threshold is judged on its own figures, the rest of
    the deployment on what is left."""
    raised: list[Notification] = []
    failures: dict[str, list[Any]] = defaultdict(list)
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
    for module, failures in sorted(failed_webhooks(session, failed_since).items()):
        count, error = failures.count, failures.last_error
        if not count:
            continue
        raised.append(
            raise_notification(
                session,
                kind="webhook_failed",
                key=f"webhook_failed:{module}",
                title=f"{count} {module} webhook(s) failed",
                detail=f"Last error: {error or '(none)'}. The module retries failed webhooks; "
                "look at its received events.",
                severity="error",
                occurrences=count,
            )
        )
    overrides = ThresholdRepository(session).platform_overrides()
    names = platform_names(session) if overrides else {}
    raised += _failure_rates(session, snapshot, overrides, names)
    raised += _queues_and_size(session, snapshot)
    raised += _outbox(session, snapshot, overrides, names)
    return raised


def _own(overrides: dict[tuple[str, uuid.UUID], int], metric: str) -> dict[uuid.UUID, int]:
    return {platform: value for (name, platform), value in overrides.items() if name == metric}


def _failure_rates(
    session: Session,
    snapshot: CapacitySnapshot,
    overrides: dict[tuple[str, uuid.UUID], int],
    names: dict[uuid.UUID, str],
) -> list[Notification]:
    settings = session_settings(session)
    window = settings.failure_window_minutes
    own = _own(overrides, "failure_rate_percent")
    finished, failed = snapshot.runs_finished, snapshot.runs_failed
    raised = []
    for platform_id, limit in sorted(own.items()):
        figures = snapshot.by_platform.get(str(platform_id)) or {}
        done, bad = int(figures.get("runs_finished", 0)), int(figures.get("runs_failed", 0))
        finished, failed = finished - done, failed - bad
        name = names.get(platform_id, str(platform_id))
        raised += _failure_rate(
            session,
            done,
            bad,
            limit,
            key=f"threshold:failure_rate_percent:{platform_id}",
            where=f" on platform {name}",
            window=window,
            platform_id=platform_id,
        )
    raised += _failure_rate(
        session,
        finished,
        failed,
        threshold_value(session, "failure_rate_percent"),
        key="threshold:failure_rate_percent",
        where=" on the other platforms" if own else "",
        window=window,
    )
    return raised


def _failure_rate(
    session: Session,
    finished: int,
    failed: int,
    limit: int,
    *,
    key: str,
    where: str,
    window: int,
    platform_id: uuid.UUID | None = None,
) -> list[Notification]:
    if finished < session_settings(session).failure_rate_min_runs:
        return []
    rate_bp = failed * 10_000 // finished
    if rate_bp <= limit * 100:
        return []
    return [
        raise_notification(
            session,
            kind="threshold",
            key=key,
            title=f"Task failure rate {rate_bp / 100:.1f} %{where} is above {limit} %",
            detail=f"{failed} of {finished} runs failed in the last {window} minutes",
            platform_id=platform_id,
        )
    ]


def _queues_and_size(session: Session, snapshot: CapacitySnapshot) -> list[Notification]:
    raised = []
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
    return raised


STALLED_DETAIL = (
    "The outbox stopped draining: is a worker consuming the default queue, and is "
    "`kernel.sweep_outbox` scheduled?"
)


def _outbox(
    session: Session,
    snapshot: CapacitySnapshot,
    overrides: dict[tuple[str, uuid.UUID], int],
    names: dict[uuid.UUID, str],
) -> list[Notification]:
    raised = []
    stalled = snapshot.outbox_stalled
    for platform_id, minutes in sorted(_own(overrides, "outbox_stalled_minutes").items()):
        figures = snapshot.by_platform.get(str(platform_id)) or {}
        stalled -= int(figures.get("outbox_stalled", 0))
        oldest = figures.get("outbox_oldest_at")
        if oldest is None:
            continue
        age = snapshot.taken_at - datetime.fromisoformat(oldest)
        if age <= timedelta(minutes=minutes):
            continue
        name = names.get(platform_id, str(platform_id))
        raised.append(
            raise_notification(
                session,
                kind="outbox_stalled",
                key=f"outbox_stalled:{platform_id}",
                title=f"Outbox events of platform {name} undelivered for "
                f"{int(age.total_seconds() // 60)} minutes, more than {minutes}",
                detail=STALLED_DETAIL,
                severity="error",
                platform_id=platform_id,
            )
        )
    if stalled > 0:
        minutes = threshold_value(session, "outbox_stalled_minutes")
        raised.append(
            raise_notification(
                session,
                kind="outbox_stalled",
                key="outbox_stalled",
                title=f"{stalled} outbox event(s) undelivered for more than {minutes} minutes",
                detail=STALLED_DETAIL,
                severity="error",
            )
        )
    return raised


# -- housekeeping ------------------------------------------------------------------------------


def purge(session: Session) -> dict[str, int]:
    """Delete snapshots older than `snapshot_retention_days` and notifications acknowledged
    more than `acknowledged_retention_days` ago; how many of each."""
    settings = session_settings(session)
    now = utcnow()
    return {
        "snapshots": SnapshotRepository(session).purge(
            now - timedelta(days=settings.snapshot_retention_days)
        ),
        "notifications": NotificationRepository(session).purge_acknowledged(
            now - timedelta(days=settings.acknowledged_retention_days)
        ),
    }
