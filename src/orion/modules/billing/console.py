"""Console pages of billing: the tenant's subscription, usage against its plan's limits and
the plans it may move to; the operators' plans."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.kernel.web.console import ConsolePage, FormData, FormPage
from orion.kernel.web.dependencies import SessionDep
from orion.modules.billing import services
from orion.modules.billing.schemas import (
    Interval,
    SubscriptionCancel,
    SubscriptionPlanCreate,
    UserSubscriptionCreate,
    UserSubscriptionUpdate,
)

pages = APIRouter()  # /console/billing/...
admin_pages = APIRouter()  # /console/platform/billing/...


overview_page = FormPage(
    "billing/console/overview.html",
    lambda page, session: {
        "subscription": services.find_subscription(session, page.tenant),
        "plan": services.plan_for(session, page.tenant),
        "plans": services.available_plans(session, page.tenant, page=Page(limit=100))[0],
        "usage": services.usage(session, page.tenant),
        "can_manage": page.can("billing.manage"),
        "error": None,  # a refused change's message (see `_act`)
    },
)


@pages.get("/")
def overview(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("billing.read")
    return overview_page.show(page, session)


def _act(page: ConsolePage, session: Any, action: Any, message: str) -> Response:
    """Run a change of the subscription; a refusal (Stripe's too: 502, 503) is shown on the
    overview. The change runs in a savepoint rolled back when it raises: the request still
    commits (the page is an answer, not an error), and what the service flushed before
    Stripe refused (the subscription row, its customer, a new period) must not go with it.
    Not `FormPage.submit`: that answers 422 with field errors and lets a 5xx through, where
    this page shows Stripe's 502 or 503 itself, with that status."""
    page.require("billing.manage")
    try:
        with session.begin_nested():
            action()
    except OrionError as exc:
        if exc.status >= 500 and exc.status not in (502, 503):
            raise
        return overview_page.show(page, session, error=exc.message, status=exc.status)
    return page.redirect("/console/billing/", message=message)


@pages.post("/subscribe/{plan_id}")
def subscribe(page: ConsolePage, session: SessionDep, plan_id: uuid.UUID) -> Response:
    """Subscribe to the plan, or move to it from the current one (prorated)."""
    current = services.find_subscription(session, page.tenant)
    user_id = page.principal.user_id
    if current is None or current.status in ("canceled", "expired"):
        return _act(
            page,
            session,
            lambda: services.subscribe(
                session, page.tenant, user_id=user_id, data=UserSubscriptionCreate(plan_id=plan_id)
            ),
            "Subscribed.",
        )
    return _act(
        page,
        session,
        lambda: services.change_plan(
            session, page.tenant, user_id=user_id, data=UserSubscriptionUpdate(plan_id=plan_id)
        ),
        "Plan changed; the rest of the period is prorated.",
    )


@pages.post("/cancel")
def cancel(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    at_period_end = form.get("at_period_end", "true") != "false"
    return _act(
        page,
        session,
        lambda: services.cancel(
            session, page.tenant, data=SubscriptionCancel(at_period_end=at_period_end)
        ),
        "Cancelled at the end of the period." if at_period_end else "Cancelled.",
    )


@pages.post("/resume")
def resume(page: ConsolePage, session: SessionDep) -> Response:
    return _act(page, session, lambda: services.resume(session, page.tenant), "Resumed.")


# -- operators ---------------------------------------------------------------------------------


def _parse_limits(text: str) -> dict[str, str]:
    """`stores=3, orders_per_month=100` -> {"stores": "3", ...} (validated by the schema)."""
    limits = {}
    for part in text.replace("\n", ",").split(","):
        if part.strip():
            name, _, value = part.partition("=")
            limits[name.strip()] = value.strip()
    return limits


def _plans(page: ConsolePage, session: Session) -> dict[str, Any]:
    platform_id = page.runtime.directory.default_platform_id(session)
    plans, count = services.list_plans(session, platform_id, page=Page(limit=200))
    return {"plans": plans, "count": count, "intervals": [(i.value, i.value) for i in Interval]}


plans_page = FormPage("billing/console/plans.html", _plans)


@admin_pages.get("/plans")
def plans(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return plans_page.show(page, session)


@admin_pages.post("/plans")
def create_plan(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    fields: dict[str, Any] = dict(form)
    fields["limits"] = _parse_limits(form.get("limits", ""))
    fields["features"] = [f.strip() for f in form.get("features", "").splitlines() if f.strip()]
    platform_id = page.runtime.directory.default_platform_id(session)
    plan, errors = plans_page.run(
        session,
        fields,
        SubscriptionPlanCreate,
        lambda data: services.create_plan(session, platform_id, data=data),
    )
    # `limits.stores` is the Limits field's error: the form has one field for them all.
    errors = {key.split(".")[0]: value for key, value in errors.items()}
    return plans_page.outcome(
        page,
        session,
        form,
        (plan, errors),
        done="/console/platform/billing/plans",
        message=lambda plan: f"Plan {plan.name} created.",
    )
