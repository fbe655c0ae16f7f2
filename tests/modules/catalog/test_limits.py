"""The billing plan's product limit: the catalog asks the kernel (`check_limit`), billing
answers; two creations at once cannot both take the last slot."""

from __future__ import annotations

import threading
import uuid

import pytest

from orion.kernel.errors import OrionError
from orion.kernel.runtime.activation import ModuleScope
from orion.modules.billing import services as billing
from orion.modules.billing.schemas import SubscriptionPlanCreate, UserSubscriptionCreate
from orion.modules.catalog import services
from orion.modules.catalog.schemas import ItemCreate
from tests.modules.catalog.conftest import item, needs_postgres


@pytest.fixture
def limited(runtime, shop, monkeypatch):  # type: ignore[no-untyped-def]
    """`limited(n)`: the shop's tenant on a plan allowing `n` products (billing on, no Stripe)."""
    monkeypatch.setitem(runtime.settings.modules, "billing", {"stripe_webhook_secret": "whsec_x"})

    def subscribe(products: int):  # type: ignore[no-untyped-def]
        tenant = shop.tenant
        with runtime.database.unit_of_work() as session:
            runtime.modules.enable(
                session, "billing", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
            )
            plan = billing.create_plan(
                session,
                tenant.platform_id,
                data=SubscriptionPlanCreate(
                    code=f"plan-{uuid.uuid4().hex[:8]}",
                    name="Tiny",
                    price_amount=0,
                    currency="EUR",
                    interval="month",
                    trial_days=0,
                    limits={"products": products},
                ),
            )
            billing.subscribe(
                session, tenant, user_id=None, data=UserSubscriptionCreate(plan_id=plan.id)
            )
        return shop

    return subscribe


def test_a_product_beyond_the_plans_limit_is_refused_naming_it(client, limited, make_store):
    shop = limited(2)
    other_store = make_store(shop.tenant)
    assert client.post(shop.items, json=item(), headers=shop.headers).status_code == 201
    elsewhere = shop.items.replace(str(shop.store.id), str(other_store.id))
    assert client.post(elsewhere, json=item(), headers=shop.headers).status_code == 201
    refused = client.post(shop.items, json=item(), headers=shop.headers)
    assert refused.status_code == 402, refused.text
    problem = refused.json()
    assert (problem["code"], problem["limit"], problem["current"]) == (
        "plan_limit_reached",
        "products",
        2,
    )
    listed = client.get(shop.items, headers=shop.headers).json()["data"]
    assert len(listed) == 1  # nothing half-written


def test_deleting_a_draft_frees_a_slot(client, limited):
    shop = limited(1)
    draft = client.post(shop.items, json=item(status="draft"), headers=shop.headers).json()
    assert client.post(shop.items, json=item(), headers=shop.headers).status_code == 402
    assert client.delete(f"{shop.items}/{draft['id']}", headers=shop.headers).status_code == 204
    assert client.post(shop.items, json=item(), headers=shop.headers).status_code == 201


@pytest.mark.postgres
@needs_postgres
def test_two_creations_at_once_cannot_both_take_the_last_slot(runtime, limited):
    shop = limited(1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        try:
            with runtime.database.unit_of_work(tenant=shop.tenant) as session:
                barrier.wait(timeout=10)
                services.create_product(
                    session, shop.tenant, store_id=shop.store.id, data=ItemCreate(**item())
                )
            outcomes.append("created")
        except OrionError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["created", "plan_limit_reached"]
    with runtime.database.unit_of_work() as session:
        assert services.count_products(session, shop.tenant) == 1


@pytest.mark.postgres
@needs_postgres
def test_two_products_with_one_sku_at_once_is_a_conflict_not_a_500(runtime, shop):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create() -> None:
        try:
            with runtime.database.unit_of_work(tenant=shop.tenant) as session:
                barrier.wait(timeout=10)
                services.create_product(
                    session, shop.tenant, store_id=shop.store.id, data=ItemCreate(**item("SAME"))
                )
            outcomes.append("created")
        except OrionError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["created", "sku_taken"]
