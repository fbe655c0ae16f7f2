"""Plan limits as other modules meet them: tenancy refuses a store the plan does not allow,
and monthly counters stop at their maximum. Neither imports billing: both go through the
kernel's `usage_limits` extension point."""

from __future__ import annotations

import threading
import uuid

import pytest

from orion.kernel.data.tenancy import set_tenant
from orion.kernel.errors import OrionError
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.limits import consume_counter
from tests.modules.billing.conftest import API

STORES = "/api/v1/tenancy/stores"

pytestmark = pytest.mark.usefixtures("without_stripe")


def new_store(client, headers, code: str | None = None):  # type: ignore[no-untyped-def]
    code = code or f"s{uuid.uuid4().hex[:8]}"
    return client.post(STORES, headers=headers, json={"name": f"Store {code}", "code": code})


def subscribe(client, admin, plan) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(plan.id)}
    )
    assert response.status_code == 201, response.text


def test_tenancy_refuses_a_store_beyond_the_plans_limit_naming_it(client, member, make_plan):
    admin = member()
    subscribe(client, admin, make_plan(name="Starter", limits={"stores": 2}))
    assert new_store(client, admin.headers).status_code == 201
    assert new_store(client, admin.headers).status_code == 201
    refused = new_store(client, admin.headers)
    assert refused.status_code == 402
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "plan_limit_reached"
    assert (problem["limit"], problem["current"], problem["maximum"]) == ("stores", 2, 2)
    assert "Starter" in problem["detail"]
    assert client.get(STORES, headers=admin.headers).json()["count"] == 2

    usage = client.get(f"{API}/usage", headers=admin.headers).json()
    stores = next(row for row in usage["limits"] if row["limit"] == "stores")
    assert stores == {"limit": "stores", "used": 2, "maximum": 2}


def test_an_upgrade_makes_room(client, member, make_plan):
    admin = member()
    subscribe(client, admin, make_plan(limits={"stores": 1}, price_amount=0))
    assert new_store(client, admin.headers).status_code == 201
    assert new_store(client, admin.headers).status_code == 402
    bigger = make_plan(limits={"stores": 5}, price_amount=1000)
    changed = client.patch(
        f"{API}/subscription", headers=admin.headers, json={"plan_id": str(bigger.id)}
    )
    assert changed.status_code == 200, changed.text
    assert new_store(client, admin.headers).status_code == 201


def test_stores_are_not_limited_when_billing_is_off_for_the_tenant(
    client, runtime, member, make_plan
):
    admin = member()
    subscribe(client, admin, make_plan(limits={"stores": 1}))
    assert new_store(client, admin.headers).status_code == 201
    assert new_store(client, admin.headers).status_code == 402
    tenant = admin.tenant
    with runtime.database.unit_of_work() as session:
        runtime.modules.disable(
            session, "billing", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
        )
    assert new_store(client, admin.headers).status_code == 201


def test_a_tenant_without_a_subscription_gets_the_platforms_default_plan(
    client, runtime, make_tenant, member, make_plan
):
    from orion.modules.tenancy import services as tenancy
    from orion.modules.tenancy.schemas import PlatformCreate

    with runtime.database.unit_of_work() as session:
        platform = tenancy.create_platform(
            session, data=PlatformCreate(code=f"p{uuid.uuid4().hex[:8]}", name="Limited")
        )
    make_plan(
        platform_id=platform.id, name="Free", price_amount=0, limits={"stores": 1}, is_default=True
    )
    admin = member(make_tenant(platform_id=platform.id))
    assert new_store(client, admin.headers).status_code == 201
    refused = new_store(client, admin.headers)
    assert refused.status_code == 402 and refused.json()["plan"] == "Free"


def test_two_stores_asked_for_the_last_slot_at_once_get_one(client, member, make_plan):
    admin = member()
    subscribe(client, admin, make_plan(limits={"stores": 1}))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def create() -> None:
        barrier.wait()
        statuses.append(new_store(client, admin.headers).status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 402]


def count(runtime, tenant, amount: int = 1) -> int | None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return consume_counter(session, tenant, "orders_per_month", amount=amount)


def test_a_monthly_counter_stops_at_the_plans_maximum(client, runtime, member, make_plan):
    admin = member()
    subscribe(client, admin, make_plan(limits={"orders_per_month": 3}))
    assert [count(runtime, admin.tenant) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(OrionError) as refused:
        count(runtime, admin.tenant)
    assert refused.value.status == 402 and refused.value.code == "plan_limit_reached"
    assert refused.value.extra["limit"] == "orders_per_month"
    assert refused.value.extra["current"] == 3 and refused.value.extra["maximum"] == 3
    usage = client.get(f"{API}/usage", headers=admin.headers).json()
    orders = next(row for row in usage["limits"] if row["limit"] == "orders_per_month")
    assert orders == {"limit": "orders_per_month", "used": 3, "maximum": 3}


def test_concurrent_counting_never_passes_the_maximum(client, runtime, member, make_plan):
    admin = member()
    subscribe(client, admin, make_plan(limits={"orders_per_month": 5}))
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def order() -> None:
        barrier.wait()
        try:
            count(runtime, admin.tenant)
            outcomes.append("counted")
        except OrionError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=order) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("counted") == 5
    assert outcomes.count("plan_limit_reached") == 3


def test_nothing_is_counted_or_limited_for_a_tenant_without_billing(runtime, member):
    admin = member(billing=False)
    assert count(runtime, admin.tenant) is None


def test_counting_nothing_or_less_is_refused(client, runtime, member, make_plan):
    admin = member()
    subscribe(client, admin, make_plan(limits={"orders_per_month": 3}))
    for amount in (0, -2):
        with pytest.raises(OrionError) as refused:
            count(runtime, admin.tenant, amount)
        assert refused.value.status == 422 and refused.value.errors[0].field == "amount"
    assert count(runtime, admin.tenant) == 1
