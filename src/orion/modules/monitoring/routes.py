"""monitoring routes, platform-wide, under /api/v1/admin/monitoring for platform
operators (404 for everyone else): snapshots, thresholds (deployment-wide and per
platform), notifications, task runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from orion.kernel.web.dependencies import PageDep, SessionDep, problem_responses
from orion.kernel.web.responses import ListingResponse
from orion.modules.monitoring import services
from orion.modules.monitoring.dependencies import GUARD, Operator
from orion.modules.monitoring.schemas import (
    CaptureAccepted,
    Metric,
    NotificationKind,
    NotificationPublic,
    NotificationsPublic,
    NotificationState,
    PlatformThresholdsPublic,
    Retryability,
    RetryAccepted,
    RunState,
    SnapshotPublic,
    SnapshotsPublic,
    TaskRunFilter,
    TaskRunPublic,
    TaskRunsPublic,
    ThresholdPublic,
    ThresholdUpdate,
)

admin = APIRouter(dependencies=GUARD, responses=problem_responses(404))

# -- snapshots ---------------------------------------------------------------------------------


@admin.get("/snapshots", response_model=SnapshotsPublic)
def list_snapshots(session: SessionDep, page: PageDep) -> ListingResponse:
    """Capacity snapshots, newest first."""
    return ListingResponse(services.snapshots_listing(session, page=page))


@admin.get("/snapshots/latest", response_model=SnapshotPublic)
def latest_snapshot(session: SessionDep) -> SnapshotPublic:
    """The newest snapshot (404 `snapshot_not_found` before the first)."""
    return SnapshotPublic.model_validate(services.latest(session))


@admin.post("/snapshots", status_code=status.HTTP_202_ACCEPTED, response_model=CaptureAccepted)
def capture_now(session: SessionDep) -> CaptureAccepted:
    """Take a snapshot now: the worker runs the capture task (queue `scheduled`)."""
    return services.request_capture(session)


@admin.get("/snapshots/{snapshot_id}", response_model=SnapshotPublic)
def get_snapshot(session: SessionDep, snapshot_id: uuid.UUID) -> SnapshotPublic:
    return SnapshotPublic.model_validate(services.get_snapshot(session, snapshot_id))


# -- thresholds --------------------------------------------------------------------------------


@admin.get("/thresholds", response_model=list[ThresholdPublic])
def list_thresholds(session: SessionDep) -> list[ThresholdPublic]:
    """Each threshold's value in force, and the deployment's default."""
    return services.list_thresholds(session)


@admin.put("/thresholds/{metric}", response_model=ThresholdPublic, responses=problem_responses(422))
def set_threshold(
    session: SessionDep, principal: Operator, metric: Metric, data: ThresholdUpdate
) -> ThresholdPublic:
    return services.set_threshold(session, metric, value=data.value, updated_by=principal.user_id)


@admin.delete("/thresholds/{metric}", response_model=ThresholdPublic)
def reset_threshold(session: SessionDep, principal: Operator, metric: Metric) -> ThresholdPublic:
    """Back to the deployment's setting."""
    return services.set_threshold(session, metric, value=None, updated_by=principal.user_id)


@admin.get("/platforms/thresholds", response_model=list[PlatformThresholdsPublic])
def list_platform_thresholds(session: SessionDep) -> list[PlatformThresholdsPublic]:
    """Every platform's thresholds measured per platform (failure rate, stalled outbox):
    its own value or the deployment-wide one it inherits."""
    return services.platform_overrides(session)


@admin.get("/platforms/{platform_id}/thresholds", response_model=list[ThresholdPublic])
def platform_thresholds(session: SessionDep, platform_id: uuid.UUID) -> list[ThresholdPublic]:
    return services.list_thresholds(session, platform_id)


@admin.put(
    "/platforms/{platform_id}/thresholds/{metric}",
    response_model=ThresholdPublic,
    responses=problem_responses(422),
)
def set_platform_threshold(
    session: SessionDep,
    principal: Operator,
    platform_id: uuid.UUID,
    metric: Metric,
    data: ThresholdUpdate,
) -> ThresholdPublic:
    """The platform's own value: its tenants' figures are judged by it, apart from the
    deployment-wide figure (422 `threshold_refused` for queue depth and database size,
    which every platform shares; 404 `platform_not_found`)."""
    return services.set_threshold(
        session, metric, value=data.value, updated_by=principal.user_id, platform_id=platform_id
    )


@admin.delete("/platforms/{platform_id}/thresholds/{metric}", response_model=ThresholdPublic)
def reset_platform_threshold(
    session: SessionDep, principal: Operator, platform_id: uuid.UUID, metric: Metric
) -> ThresholdPublic:
    """The platform goes back to the deployment-wide value."""
    return services.set_threshold(
        session, metric, value=None, updated_by=principal.user_id, platform_id=platform_id
    )


# -- notifications -----------------------------------------------------------------------------


@admin.get("/notifications", response_model=NotificationsPublic)
def list_notifications(
    session: SessionDep,
    page: PageDep,
    state: NotificationState | None = None,
    kind: NotificationKind | None = None,
    platform_id: uuid.UUID | None = None,
) -> ListingResponse:
    """Admin notifications, the most recently seen first (`platform_id`: those raised by
    that platform's own thresholds)."""
    return ListingResponse(
        services.notifications_listing(
            session, page=page, state=state, kind=kind, platform_id=platform_id
        )
    )


@admin.get("/notifications/{notification_id}", response_model=NotificationPublic)
def get_notification(session: SessionDep, notification_id: uuid.UUID) -> NotificationPublic:
    return NotificationPublic.model_validate(services.get_notification(session, notification_id))


@admin.post("/notifications/{notification_id}/ack", response_model=NotificationPublic)
def acknowledge(
    session: SessionDep, principal: Operator, notification_id: uuid.UUID
) -> NotificationPublic:
    """Acknowledge: who and when are kept; the next occurrence opens a new notification."""
    row = services.acknowledge(session, notification_id, by=principal.user_id)
    return NotificationPublic.model_validate(row)


# -- task runs ---------------------------------------------------------------------------------


@admin.get("/task-runs", response_model=TaskRunsPublic)
def list_task_runs(
    session: SessionDep,
    page: PageDep,
    state: RunState | None = None,
    name: Annotated[str | None, Query(max_length=128)] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    module: Annotated[str | None, Query(max_length=64)] = None,
    tenant_id: uuid.UUID | None = None,
    task_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
) -> ListingResponse:
    """The kernel's task runs, newest first, filtered."""
    filters = TaskRunFilter(
        state=state,
        name=name,
        queue=queue,
        module=module,
        tenant_id=tenant_id,
        task_id=task_id,
        since=since,
    )
    return ListingResponse(services.runs_listing(session, page=page, filters=filters))


@admin.get("/task-runs/{run_id}", response_model=TaskRunPublic)
def get_task_run(session: SessionDep, run_id: uuid.UUID) -> TaskRunPublic:
    return TaskRunPublic.model_validate(services.get_run(session, run_id))


@admin.get("/task-runs/{run_id}/retry", response_model=Retryability)
def retryability(session: SessionDep, run_id: uuid.UUID) -> Retryability:
    """Whether the run can be retried, and if not, why."""
    return services.retry_check(session, run_id)


@admin.post(
    "/task-runs/{run_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RetryAccepted,
    responses=problem_responses(409),
)
def retry(session: SessionDep, run_id: uuid.UUID) -> RetryAccepted:
    """Send the failed run's task again with the same arguments (409 `retry_not_possible`
    with the reason when the kernel did not record them)."""
    return services.retry(session, run_id)
