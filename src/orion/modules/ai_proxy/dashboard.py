"""The AI gateway's cards on a tenant's home page (the kernel's `dashboard_cards` point):
calls (a daily series) and tokens over the last 30 days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from orion.kernel.contract.points import DashboardCard
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.modules.ai_proxy.service import usage_totals

DAYS = 30
USAGE = "/console/ai_proxy/"


def dashboard_cards(session: Session, tenant: TenantContext) -> list[DashboardCard]:
    until = utcnow().date()
    since = until - timedelta(days=DAYS - 1)
    totals = usage_totals(session, tenant, since=since, until=until)
    if not totals:
        return [
            DashboardCard(
                title="AI calls",
                figure=0,
                detail=f"in the last {DAYS} days: point any OpenAI client at the gateway",
                link=USAGE,
            )
        ]
    calls = {(since + timedelta(days=n)).isoformat(): 0 for n in range(DAYS)}
    for total in totals:
        calls[total.day.isoformat()] += total.requests
    failed = sum(t.failed for t in totals)
    tokens = sum(t.input_tokens + t.output_tokens for t in totals)
    requests = sum(t.requests for t in totals)
    models = len({t.model for t in totals})
    return [
        DashboardCard(
            title="AI calls",
            figure=requests,
            detail=f"in the last {DAYS} days"
            + (f", {failed:,} failed" if failed else "")
            + f", {models} model{'s' if models != 1 else ''}",
            link=USAGE,
            tone="warning" if failed * 10 > requests else "neutral",
            series=tuple((day, float(n)) for day, n in calls.items()),
        ),
        DashboardCard(
            title="AI tokens",
            figure=tokens,
            detail=f"input and output, last {DAYS} days",
            link=USAGE,
        ),
    ]
