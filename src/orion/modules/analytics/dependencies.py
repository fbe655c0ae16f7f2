"""What the analytics routes need, as Annotated dependencies."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import require_permission
from orion.modules.analytics.schemas import Granularity, ReportRange
from orion.modules.analytics.services import report_range

CanRead = Annotated[Principal, Depends(require_permission("analytics.read"))]


def range_of(
    since: Annotated[date | None, Query(description="First day (UTC); default 30 days ago")] = None,
    until: Annotated[date | None, Query(description="Last day (UTC); default today")] = None,
    granularity: Annotated[Granularity, Query()] = Granularity.DAY,
) -> ReportRange:
    return report_range(since, until, granularity)


Span = Annotated[ReportRange, Depends(range_of)]
