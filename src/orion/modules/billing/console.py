"""Console pages of billing: the tenant's subscription, usage against its plan's limits and
the plans it may move to; the operators' plans, priced in the currency's units (29.00, not
2900 cents)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.data import money
from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.kernel.web.console import ConsolePage, FormData, FormErrors, FormPage, PageContext
from orion.kernel.web.dependencies import SessionDep
from orion.modules.billing import services
from orion.modules.billing.models import SubscriptionPlan
from orion.modules.billing.schemas import (
    KNOWN_LIMITS,
    ORDERS_PER_MONTH,
    PRODUCTS,
    STORES,
    Interval,
    SubscriptionCancel,
    SubscriptionPlanCreate,
    SubscriptionPlanUpdate,
    UsagePublic,
    UserSubscriptionCreate,
    UserSubscriptionUpdate,
)

pages = APIRouter()  # /console/billing/...
admin_pages = APIRouter()  # /console/platform/billing/...


# Who counts what a limit limits, and how a person says one of it and many.
COUNTED_BY = {STORES: "tenancy", PRODUCTS: "catalog", ORDERS_PER_MONTH: "orders"}
NOUNS = {
    STORES: ("store", "stores"),
    PRODUCTS: ("product", "products"),
    ORDERS_PER_MONTH: ("order a month", "orders a month"),
}
# A feature naming a limit's thing with a number ("Five stores") restates the limit.
NUMBER_WORDS = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
    | {"eleven", "twelve", "twenty", "fifty", "hundred", "thousand", "unlimited"}
)


def _number(value: int) -> str:
    """As the console's `number` filter writes it (thin spaces between thousands)."""
    return f"{value:,}".replace(",", "\u202f")


def _counted(value: int, singular: str, plural: str) -> str:
    return f"{_number(value)} {singular if value == 1 else plural}"


def limit_label(name: str) -> str:
    return NOUNS.get(name, (name, name))[1].replace("_", " ").capitalize()


def offer_lines(plan: SubscriptionPlan) -> list[str]:
    """What a plan gives, each thing said once: its limits and credits in words, then the
    plan's own features except those saying the same (its "One store" beside `stores=1`)."""
    lines = []
    nouns = []
    for name in KNOWN_LIMITS:
        value = (plan.limits or {}).get(name)
        if value is None:
            continue
        singular, plural = NOUNS[name]
        lines.append(_counted(int(value), singular, plural))
        nouns.append(singular.split()[0])
    if plan.included_credits:
        each = "a year" if plan.interval == Interval.YEAR else "a month"
        lines.append(f"{_counted(plan.included_credits, 'AI credit', 'AI credits')} {each}")
        nouns.append("credit")
    for feature in plan.features or ():
        words = feature.lower()
        restates = any(noun in words for noun in nouns) and (
            re.search(r"\d", words) or any(w in words.split() for w in NUMBER_WORDS)
        )
        if not restates:
            lines.append(feature)
    return lines


@dataclass(frozen=True)
class UsageRow:
    """One limit on the billing page: what is used of it, or why nothing is counted."""

    name: str
    label: str
    used: int | None
    maximum: int | None
    note: str | None = None  # shown instead of figures when nothing counts it here

    @property
    def percent(self) -> int:
        if not self.maximum or self.used is None:
            return 0
        return min(100, round(100 * self.used / self.maximum))


def usage_rows(page: PageContext, usage: UsagePublic) -> list[UsageRow]:
    """The plan's limits as the tenant reads them: "3 of 5" where the module that counts
    it is on ("0 of 5 000" orders before the first), "not used yet" where it is off for
    the tenant, "not available on this deployment" where it is not installed."""
    registry = page.runtime.registry
    enabled = getattr(page.request.state, "enabled_modules", None) or frozenset()
    rows = []
    for row in usage.limits:
        counter = COUNTED_BY.get(row.limit)
        note = None
        used = row.used
        if counter is not None and counter not in registry.codes:
            note = "not available on this deployment"
        elif counter is not None and not (registry.get(counter).always_on or counter in enabled):
            note = "not used yet"
        # Else counted where billing sees it (stores, the monthly counters); a limit another
        # module checks as it adds (products) has no figure here: "up to", never a made-up 0.
        rows.append(UsageRow(row.limit, limit_label(row.limit), used, row.maximum, note))
    return rows


def _overview(page: PageContext, session: Session) -> dict[str, Any]:
    plans = services.available_plans(session, page.tenant, page=Page(limit=100))[0]
    return {
        "subscription": services.find_subscription(session, page.tenant),
        "plan": services.plan_for(session, page.tenant),
        "plans": plans,
        "offers": {p.id: offer_lines(p) for p in plans},
        "usage": usage_rows(page, services.usage(session, page.tenant)),
        "can_manage": page.can("billing.manage"),
        "error": None,  # a refused change's message (see `_act`)
    }


overview_page = FormPage("billing/console/overview.html", _overview)


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

PLANS = "/console/platform/billing/plans"
# `stores=3, products=10,000` splits at a comma that starts the next `name=`, so "10,000"
# stays one value; newlines and semicolons separate too.
LIMIT_SEPARATOR = re.compile(r"[;\n]|,(?=\s*[^\s=,;]+\s*=)")
GROUPED = re.compile(r"^\d{1,3}(?:[,.\s\u202f_']\d{3})+$")


def parse_limits(text: str) -> dict[str, str]:
    """`stores=3, products=10,000` -> {"stores": "3", "products": "10000"} (the schema
    checks names and values: `widgets=3` is refused naming widgets)."""
    limits = {}
    for part in LIMIT_SEPARATOR.split(text):
        if part.strip():
            name, _, value = part.partition("=")
            value = value.strip()
            if GROUPED.match(value):
                value = re.sub(r"\D", "", value)
            limits[name.strip()] = value
    return limits


def limits_text(limits: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in limits.items())


def parse_amount(text: str, currency: str) -> tuple[int | None, str | None]:
    """The price field: (minor units, None), or (None, why) in a sentence about it."""
    try:
        return money.parse_amount(text, currency), None
    except ValueError as why:
        return None, f"Price {why}."


def amount_text(amount: int, currency: str) -> str:
    return money.amount_text(amount, currency)


def plan_values(plan: SubscriptionPlan) -> dict[str, Any]:
    """A stored plan as its form shows it: the price in units, limits and features as typed."""
    return {
        "name": plan.name,
        "code": plan.code,
        "description": plan.description or "",
        "price": amount_text(plan.price_amount, plan.currency),
        "currency": plan.currency,
        "interval": plan.interval,
        "trial_days": plan.trial_days,
        "included_credits": plan.included_credits,
        "limits": limits_text(plan.limits or {}),
        "features": "\n".join(plan.features or ()),
        "is_active": "true" if plan.is_active else "",
        "is_default": "true" if plan.is_default else "",
    }


def plan_fields(form: Mapping[str, str]) -> tuple[dict[str, Any], FormErrors]:
    """The form's fields as the plan schema takes them; a price that is no amount is the
    price field's error before the schema is asked."""
    fields: dict[str, Any] = {
        k: v for k, v in form.items() if k not in ("price", "limits", "features")
    }
    fields["limits"] = parse_limits(form.get("limits", ""))
    fields["features"] = [f.strip() for f in form.get("features", "").splitlines() if f.strip()]
    fields["is_active"] = form.get("is_active") == "true"
    fields["is_default"] = form.get("is_default") == "true"
    errors: FormErrors = {}
    if "price" in form:
        currency = str(form.get("currency") or "EUR").strip().upper()
        fields["price_amount"], problem = parse_amount(form["price"], currency)
        if problem:
            errors["price"] = problem
    return fields, errors


def form_errors(errors: FormErrors) -> FormErrors:
    """The schema's errors on the form's fields: `price_amount` is the price field and
    `limits.widgets` the limits field (its message names widgets)."""
    shown: FormErrors = {}
    for key, message in errors.items():
        name = key.split(".")[0].split("[")[0]
        name = {"price_amount": "price"}.get(name, name)
        shown.setdefault(name, message)
    return shown


def _plans(page: PageContext, session: Session) -> dict[str, Any]:
    platform_id = page.runtime.directory.default_platform_id(session)
    plans, count = services.list_plans(session, platform_id, page=Page(limit=200))
    return {
        "plans": plans,
        "count": count,
        "intervals": [(i.value, i.value) for i in Interval],
        "known_limits": KNOWN_LIMITS,
        "limits_text": limits_text,
    }


plans_page = FormPage("billing/console/plans.html", _plans)
plan_page = FormPage("billing/console/plan.html", _plans)


@admin_pages.get("/plans")
def plans(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return plans_page.show(page, session, values={"currency": "EUR", "is_active": "true"})


@admin_pages.post("/plans")
def create_plan(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    fields, errors = plan_fields(form)
    platform_id = page.runtime.directory.default_platform_id(session)
    if errors:
        result: tuple[Any, FormErrors] = (None, errors)
    else:
        result = plans_page.run(
            session,
            fields,
            SubscriptionPlanCreate,
            lambda data: services.create_plan(session, platform_id, data=data),
        )
    return plans_page.outcome(
        page,
        session,
        form,
        (result[0], form_errors(result[1])),
        done=PLANS,
        message=lambda plan: f"Plan {plan.name} created.",
    )


@admin_pages.get("/plans/{plan_id}")
def edit_plan(page: ConsolePage, session: SessionDep, plan_id: uuid.UUID) -> HTMLResponse:
    plan = services.get_plan(session, plan_id)
    return plan_page.show(page, session, plan=plan, values=plan_values(plan))


@admin_pages.post("/plans/{plan_id}")
def update_plan(
    page: ConsolePage, session: SessionDep, plan_id: uuid.UUID, form: FormData
) -> Response:
    plan = services.get_plan(session, plan_id)
    fields, errors = plan_fields(form)
    fields.pop("code", None)  # a plan's code never changes
    if errors:
        result: tuple[Any, FormErrors] = (None, errors)
    else:
        result = plan_page.run(
            session,
            fields,
            SubscriptionPlanUpdate,
            lambda data: services.update_plan(session, plan_id, data=data),
        )
    return plan_page.outcome(
        page,
        session,
        form,
        (result[0], form_errors(result[1])),
        done=PLANS,
        message=lambda changed: f"Plan {changed.name} saved.",
        plan=plan,
    )
