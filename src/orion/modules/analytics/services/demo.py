"""`orion demo`: the daily sales rollup refreshed for the demo tenants, as the nightly
task would, once the demo's orders exist.

Orders' demo places its orders after the demo's unit of work commits; analytics requires
orders, so its hook runs after orders' and this callback after theirs. A refresh replaces
the days it recomputes: running the demo again gives the same rows.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.db import after_commit
from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.modules.analytics.services.rollups import refresh
from orion.modules.tenancy import services as tenancy

log = structlog.get_logger(__name__)


def seed_demo(session: Session, runtime: Any) -> None:
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    after_commit(session, lambda: _refresh_all(runtime, tenants))


def _refresh_all(runtime: Any, tenants: list[TenantContext]) -> None:
    for tenant in tenants:
        with runtime.database.unit_of_work(tenant=tenant) as session:
            rows = refresh(session, tenant)
        log.info("analytics_demo_rollup", tenant_id=str(tenant.tenant_id), rows=rows)
