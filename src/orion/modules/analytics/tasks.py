"""Analytics tasks: the nightly refresh of the daily sales rollup, per tenant.

Safe to run twice: a refresh replaces the days it recomputes."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import require_tenant
from orion.kernel.runtime.tasks import task
from orion.modules.analytics import services


@task("analytics.refresh_rollups", queue="scheduled")
def refresh_rollups(session: Session, tenant_id: uuid.UUID) -> int:
    """Recompute the tenant's stores' past days (up to yesterday); the rows written.

    The kernel runs it acting for `tenant_id` and skips tenants for which the module is off."""
    return services.refresh(session, require_tenant(session))
