"""A tenant's usage over a range: AI calls and their credits (the AI proxy's daily GROUP
BY), credits added and spent (the credits ledger's), emails sent; and what Orion does not
measure yet, said as such rather than guessed."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext
from orion.modules.ai_proxy import service as ai_proxy
from orion.modules.analytics.schemas import ReportRange, UsageDay, UsageFigure, UsageReport
from orion.modules.analytics.services.periods import period_of
from orion.modules.credits import services as credits
from orion.modules.email import services as email
from orion.modules.email.schemas import MessageState

NOT_MEASURED = {
    "api_calls": "Not measured per tenant: the platform's request metrics (/metrics) carry "
    "no tenant label.",
    "storage": "Not measured: no module records the space a tenant's files take yet.",
    "imports": "None: Orion has no import feature yet.",
}


def usage_report(session: Session, tenant: TenantContext, *, span: ReportRange) -> UsageReport:
    days: dict[date, UsageDay] = {}

    def at(day: date) -> UsageDay:
        start = period_of(day, span.granularity)
        return days.setdefault(
            start,
            UsageDay(
                day=start,
                ai_calls=0,
                ai_failed_calls=0,
                ai_credits=0,
                credits_added=0,
                credits_spent=0,
            ),
        )

    for total in ai_proxy.usage_totals(session, tenant, since=span.since, until=span.until):
        row = at(total.day)  # per day and model, summed by the database
        row.ai_calls += total.requests
        row.ai_failed_calls += total.failed
        row.ai_credits += total.cost
    for ledger in credits.ledger_days(session, tenant, since=span.since, until=span.until):
        row = at(ledger.day)
        row.credits_added += ledger.credited
        row.credits_spent += ledger.debited
    _, sent = email.list_messages(session, tenant, page=Page(limit=1), state=MessageState.SENT)
    rows = [days[key] for key in sorted(days)]
    other = [UsageFigure(name=name, value=None, note=note) for name, note in NOT_MEASURED.items()]
    other.append(
        UsageFigure(name="emails_sent", value=sent, note="Emails sent, since the tenant began.")
    )
    return UsageReport(
        range=span,
        days=rows,
        ai_calls=sum(r.ai_calls for r in rows),
        ai_credits=sum(r.ai_credits for r in rows),
        credits_added=sum(r.credits_added for r in rows),
        credits_spent=sum(r.credits_spent for r in rows),
        other=other,
    )
