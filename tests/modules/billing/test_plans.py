"""Plans, as platform operators manage them."""

from __future__ import annotations

import uuid

from orion.modules.billing.models import SubscriptionPlan
from tests.modules.billing.conftest import ADMIN, API, stored


def plan_body(**fields):  # type: ignore[no-untyped-def]
    body = {
        "code": f"pro-{uuid.uuid4().hex[:6]}",
        "name": "Pro",
        "price_amount": 4900,
        "currency": "eur",
        "interval": "month",
        "trial_days": 14,
        "features": ["Priority support"],
        "limits": {"stores": 3, "products": 1000, "orders_per_month": 500},
        "included_credits": 10000,
    }
    body.update(fields)
    return body


def test_an_operator_creates_reads_changes_and_deletes_a_plan(client, operator):
    created = client.post(f"{ADMIN}/plans", headers=operator, json=plan_body())
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["currency"] == "EUR" and plan["price_amount"] == 4900
    assert plan["limits"]["orders_per_month"] == 500
    url = f"{ADMIN}/plans/{plan['id']}"
    assert client.get(url, headers=operator).json()["code"] == plan["code"]

    changed = client.patch(
        url, headers=operator, json={"price_amount": 5900, "limits": {"stores": 5}}
    )
    assert changed.status_code == 200
    assert changed.json()["price_amount"] == 5900 and changed.json()["limits"] == {"stores": 5}
    listed = client.get(f"{ADMIN}/plans", headers=operator, params={"limit": 500}).json()
    assert plan["id"] in {row["id"] for row in listed["data"]}

    assert client.delete(url, headers=operator).status_code == 204
    assert client.get(url, headers=operator).status_code == 404


def test_bad_plans_are_refused_with_the_field_named(client, runtime, operator):
    cases = {
        "price_amount": plan_body(price_amount=-1),
        "currency": plan_body(currency="euro"),
        "interval": plan_body(interval="fortnight"),
        "limits.stores": plan_body(limits={"stores": -2}),
        "trial_days": plan_body(trial_days=-1),
        "included_credits": plan_body(included_credits=1.5),
    }
    for field, body in cases.items():
        response = client.post(f"{ADMIN}/plans", headers=operator, json=body)
        assert response.status_code == 422, (field, response.text)
        assert field in {error["field"] for error in response.json()["errors"]}, field
        assert stored(runtime, SubscriptionPlan, SubscriptionPlan.code == body["code"]) == []
    taken = plan_body()
    assert client.post(f"{ADMIN}/plans", headers=operator, json=taken).status_code == 201
    again = client.post(f"{ADMIN}/plans", headers=operator, json=taken)
    assert again.status_code == 409 and again.json()["code"] == "plan_code_taken"
    missing = client.post(
        f"{ADMIN}/plans",
        headers=operator,
        params={"platform_id": str(uuid.uuid4())},
        json=plan_body(),
    )
    assert missing.status_code == 404
    null = client.patch(f"{ADMIN}/plans/{uuid.uuid4()}", headers=operator, json={"name": "x"})
    assert null.status_code == 404


def test_a_plan_in_use_is_retired_not_deleted(client, operator, member, make_plan):
    admin = member()
    plan = make_plan()
    client.post(f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)})
    refused = client.delete(f"{ADMIN}/plans/{plan.id}", headers=operator)
    assert refused.status_code == 409 and refused.json()["code"] == "plan_in_use"
    retired = client.patch(f"{ADMIN}/plans/{plan.id}", headers=operator, json={"is_active": False})
    assert retired.status_code == 200
    offered = client.get(f"{API}/plans", headers=admin.headers, params={"limit": 500}).json()
    assert str(plan.id) not in {row["id"] for row in offered["data"]}
    # Subscribers keep the plan they have.
    assert client.get(f"{API}/subscription", headers=admin.headers).json()["plan_id"] == str(
        plan.id
    )


def test_operators_see_every_tenants_subscription(client, operator, member, make_plan):
    admin = member()
    plan = make_plan()
    mine = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    ).json()
    listed = client.get(
        f"{ADMIN}/subscriptions", headers=operator, params={"plan_id": str(plan.id)}
    ).json()
    assert [row["id"] for row in listed["data"]] == [mine["id"]]
    one = client.get(f"{ADMIN}/subscriptions/{mine['id']}", headers=operator)
    assert one.status_code == 200 and one.json()["tenant_id"] == str(admin.tenant.tenant_id)


def test_plan_administration_is_for_operators_only(client, member):
    admin = member()
    assert client.get(f"{ADMIN}/plans", headers=admin.headers).status_code == 403
    assert client.post(f"{ADMIN}/plans", headers=admin.headers, json=plan_body()).status_code == 403
