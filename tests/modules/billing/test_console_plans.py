"""The operators' plans page: prices typed in the currency's units ("99.00" is 99 euros, not
99 cents), limits by name (an unknown one refused, naming it and the limits there are), a
plan's form showing what is stored in the same units."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.modules.billing.models import SubscriptionPlan
from tests.console.conftest import Browser, errors_in
from tests.modules.billing.conftest import ADMIN, stored

PAGE = "/console/platform/billing/plans"


@pytest.fixture
def operator_browser(app, make_user) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_user(superadmin=True)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        browser.get(PAGE)
        yield browser


def plan_form(**fields: str) -> dict[str, str]:
    form = {
        "name": "Growth",
        "code": f"growth-{uuid.uuid4().hex[:8]}",
        "price": "99.00",
        "currency": "EUR",
        "interval": "month",
        "trial_days": "0",
        "included_credits": "0",
        "limits": "stores=3, products=10,000, orders_per_month=500",
        "is_active": "true",
    }
    form.update(fields)
    return form


def plan_of(runtime, code: str) -> SubscriptionPlan | None:  # type: ignore[no-untyped-def]
    found = stored(runtime, SubscriptionPlan, SubscriptionPlan.code == code)
    return found[0] if found else None


@pytest.mark.parametrize("typed", ["99", "99.00", "99,00", " 99.0 "])
def test_a_price_is_typed_in_euros_and_stored_in_cents(operator_browser, runtime, typed):
    form = plan_form(price=typed)

    created = operator_browser.post(PAGE, form)

    assert created.status_code == 303, errors_in(created.text)
    plan = plan_of(runtime, form["code"])
    assert plan is not None and plan.price_amount == 9900
    assert plan.limits == {"stores": 3, "products": 10_000, "orders_per_month": 500}
    listed = operator_browser.get(PAGE).text
    assert "€99.00" in listed


def test_a_currency_without_cents_takes_whole_amounts(operator_browser, runtime):
    form = plan_form(price="4500", currency="JPY")
    assert operator_browser.post(PAGE, form).status_code == 303
    assert plan_of(runtime, form["code"]).price_amount == 4500  # type: ignore[union-attr]
    refused = operator_browser.post(PAGE, plan_form(price="4500.5", currency="JPY"))
    assert refused.status_code == 422
    assert "no decimals in JPY" in errors_in(refused.text)["price"]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("99.001", "at most 2 decimals in EUR"),
        ("ninety", "an amount such as 29.00"),
        ("-5", "0 or more"),
    ],
)
def test_a_price_that_is_no_amount_is_refused_on_the_price_field(
    operator_browser, runtime, typed, says
):
    form = plan_form(price=typed)

    refused = operator_browser.post(PAGE, form)

    assert refused.status_code == 422
    errors = errors_in(refused.text)
    assert says in errors["price"]
    assert f'value="{typed}"' in refused.text  # what was typed is kept
    assert plan_of(runtime, form["code"]) is None


def test_an_unknown_limit_is_refused_naming_it_and_the_known_ones(operator_browser, runtime):
    form = plan_form(limits="stores=3, widgets=3")

    refused = operator_browser.post(PAGE, form)

    assert refused.status_code == 422
    message = errors_in(refused.text)["limits"]
    assert "widgets" in message.lower()
    assert "stores, products, orders_per_month" in message
    assert plan_of(runtime, form["code"]) is None


def test_a_bad_limit_value_names_its_limit(operator_browser):
    refused = operator_browser.post(PAGE, plan_form(limits="stores=many"))
    assert refused.status_code == 422
    assert errors_in(refused.text)["limits"] == "Stores (limits) must be a whole number."


def test_the_api_refuses_an_unknown_limit_naming_it(client, operator):
    body = {
        "code": f"api-{uuid.uuid4().hex[:6]}",
        "name": "Widgets",
        "price_amount": 100,
        "limits": {"stores": 1, "widgets": 3},
    }

    refused = client.post(f"{ADMIN}/plans", headers=operator, json=body)

    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "limits.widgets"
    assert "stores, products, orders_per_month" in error["message"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    limits = schema["SubscriptionPlanCreate"]["properties"]["limits"]
    assert limits["propertyNames"]["enum"] == ["stores", "products", "orders_per_month"]


def test_a_plans_form_shows_its_price_in_euros_and_saves_what_is_typed(
    operator_browser, runtime, make_plan
):
    plan = make_plan(price_amount=2900, limits={"stores": 5, "products": 10_000})
    page = f"{PAGE}/{plan.id}"

    shown = operator_browser.get(page)

    assert shown.status_code == 200
    assert 'name="price" type="text" value="29.00"' in shown.text
    assert 'value="stores=5, products=10000"' in shown.text
    saved = operator_browser.post(
        page, {"name": "Pro plus", "price": "35,50", "currency": "EUR", "limits": "stores=6"}
    )
    assert saved.status_code == 303, errors_in(saved.text)
    [after] = stored(runtime, SubscriptionPlan, SubscriptionPlan.id == plan.id)
    assert (after.name, after.price_amount, after.limits) == ("Pro plus", 3550, {"stores": 6})
    refused = operator_browser.post(page, {"name": "Pro", "price": "35.505", "currency": "EUR"})
    assert refused.status_code == 422 and "price" in errors_in(refused.text)
