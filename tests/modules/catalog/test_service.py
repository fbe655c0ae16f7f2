"""The catalog's service as the other commerce modules call it: what a SKU sells, the stock
inventory reports, how lists name products; and the category tree's rules."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event

from orion.kernel.errors import OrionError
from orion.modules.catalog import services
from orion.modules.catalog.exceptions import CategoryCycle, CategoryHasChildren, ProductNotFound
from orion.modules.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    ItemCreate,
    ItemUpdate,
    gtin_valid,
)
from tests.modules.catalog.conftest import item


def make_product(runtime, shop, sku, **fields):  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        product = services.create_product(
            session, shop.tenant, store_id=shop.store.id, data=ItemCreate(**item(sku, **fields))
        )
        return product.id


def statements(runtime, work):  # type: ignore[no-untyped-def]
    """The SQL statements `work(session)` sends (transaction housekeeping aside)."""
    sent: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        verb = statement.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE"))
        if verb and "set_config" not in statement:
            sent.append(statement)

    with runtime.database.unit_of_work() as session:
        session.connection()  # begun (and the tenant set) before counting
        event.listen(runtime.database.engine, "before_cursor_execute", record)
        try:
            result = work(session)
        finally:
            event.remove(runtime.database.engine, "before_cursor_execute", record)
    return result, sent


def test_gtins_are_checked_with_the_gs1_check_digit():
    assert all(
        gtin_valid(c) for c in ("96385074", "036000291452", "4006381333931", "10012345678902")
    )
    assert not any(gtin_valid(c) for c in ("96385075", "4006381333930", "1234567", "40063813339ab"))


def test_find_sellable_answers_active_products_and_variants_by_sku_in_one_select(runtime, shop):
    make_product(
        runtime, shop, "PLAIN", titles={"fr": "Tasse", "en": "Cup"}, price=900, vat_rate=800
    )
    make_product(
        runtime,
        shop,
        "TEE",
        titles={"en": "Tee"},
        price=2000,
        variants=[
            {"sku": "TEE-M", "options": {"size": "M"}},
            {"sku": "TEE-XL", "options": {"size": "XL"}, "price": 2300},
        ],
    )
    make_product(runtime, shop, "DRAFT", status="draft")
    make_product(runtime, shop, "OLD", status="archived")

    found, sent = statements(
        runtime,
        lambda session: services.find_sellable(
            session,
            shop.tenant,
            store_id=shop.store.id,
            skus=["PLAIN", "TEE", "TEE-M", "TEE-XL", "DRAFT", "OLD", "NOPE"],
        ),
    )
    assert len(sent) == 1
    assert sorted(found) == ["PLAIN", "TEE-M", "TEE-XL"]  # TEE is sold by its variants
    plain = found["PLAIN"]
    assert (plain.variant_id, plain.unit_price, plain.vat_rate, plain.currency) == (
        None,
        900,
        800,
        "EUR",
    )
    assert (plain.title, plain.titles) == ("Cup", {"en": "Cup", "fr": "Tasse"})
    assert found["TEE-M"].unit_price == 2000 and found["TEE-XL"].unit_price == 2300
    assert found["TEE-M"].title == "Tee (M)" and found["TEE-M"].variant_id is not None
    assert found["TEE-M"].product_id == found["TEE-XL"].product_id


def test_record_stock_sets_the_product_or_the_variant_and_its_products_sum(runtime, shop):
    plain = make_product(runtime, shop, "P1")
    tee = make_product(
        runtime,
        shop,
        "T1",
        variants=[
            {"sku": "T1-S", "options": {"size": "S"}},
            {"sku": "T1-M", "options": {"size": "M"}},
        ],
    )
    with runtime.database.unit_of_work() as session:
        variants = services.list_variants(
            session, shop.tenant, store_id=shop.store.id, product_id=tee
        )
    small, medium = (v.id for v in variants)

    def report(product_id, variant_id, available):  # type: ignore[no-untyped-def]
        return statements(
            runtime,
            lambda session: services.record_stock(
                session,
                shop.tenant,
                store_id=shop.store.id,
                product_id=product_id,
                variant_id=variant_id,
                available=available,
            ),
        )[1]

    assert len(report(plain, None, 4)) == 1
    assert len(report(tee, small, 3)) == 2
    report(tee, medium, 0)

    def quantities():  # type: ignore[no-untyped-def]
        with runtime.database.unit_of_work() as session:
            got = {
                p: services.item_public(
                    session,
                    shop.tenant,
                    services.get_product(session, shop.tenant, shop.store.id, p),
                )
                for p in (plain, tee)
            }
        return got[plain].available_quantity, got[tee].available_quantity, got[tee].stock_state

    assert quantities() == (4, 3, "low")
    report(tee, small, None)
    report(tee, medium, None)
    assert quantities()[1:] == (None, "untracked")
    with pytest.raises(ProductNotFound), runtime.database.unit_of_work() as session:
        services.record_stock(
            session,
            shop.tenant,
            store_id=shop.store.id,
            product_id=uuid.uuid4(),
            variant_id=None,
            available=1,
        )


def test_product_labels_name_products_and_their_variants(runtime, shop, make_shop):
    plain = make_product(runtime, shop, "L1", titles={"de": "Becher"})
    tee = make_product(
        runtime,
        shop,
        "L2",
        titles={"en": "Tee"},
        variants=[{"sku": "L2-S", "options": {"size": "S"}}],
    )
    other = make_shop()
    with runtime.database.unit_of_work() as session:
        labels = services.product_labels(
            session, shop.tenant, store_id=shop.store.id, product_ids=[plain, tee, uuid.uuid4()]
        )
        assert (
            services.product_labels(
                session, other.tenant, store_id=other.store.id, product_ids=[plain]
            )
            == {}
        )
    assert (labels[plain].sku, labels[plain].title) == ("L1", "Becher")
    assert labels[tee].variant_id is None
    (variant_label,) = (label for label in labels.values() if label.variant_id is not None)
    assert (variant_label.sku, variant_label.title, variant_label.product_id) == (
        "L2-S",
        "Tee (S)",
        tee,
    )
    assert len(labels) == 3


def test_get_product_is_404_for_another_store_or_tenant(runtime, shop, make_store, make_shop):
    product = make_product(runtime, shop, "G1")
    other_store = make_store(shop.tenant)
    other = make_shop()
    with runtime.database.unit_of_work() as session:
        assert services.get_product(session, shop.tenant, shop.store.id, product).sku == "G1"
        for tenant, store_id in ((shop.tenant, other_store.id), (other.tenant, other.store.id)):
            with pytest.raises(ProductNotFound):
                services.get_product(session, tenant, store_id, product)


def test_the_category_tree_refuses_cycles_and_deleting_a_parent(runtime, shop):
    with runtime.database.unit_of_work() as session:

        def add(name, parent=None):  # type: ignore[no-untyped-def]
            return services.create_category(
                session,
                shop.tenant,
                store_id=shop.store.id,
                data=CategoryCreate(names={"en": name}, parent_id=parent),
            ).id

        coffee = add("Coffee")
        beans = add("Beans", coffee)
        whole = add("Whole beans", beans)
        tree = services.category_tree(session, shop.tenant, store_id=shop.store.id)
        assert [n.name for n in tree] == ["Coffee"]
        assert tree[0].children[0].children[0].slug == "whole-beans"
        assert tree[0].children[0].children[0].depth == 2
        for parent in (whole, coffee):
            with pytest.raises(CategoryCycle):
                services.update_category(
                    session,
                    shop.tenant,
                    store_id=shop.store.id,
                    category_id=coffee,
                    data=CategoryUpdate(parent_id=parent),
                )
        with pytest.raises(CategoryHasChildren):
            services.delete_category(
                session, shop.tenant, store_id=shop.store.id, category_id=beans
            )
        moved = services.update_category(
            session,
            shop.tenant,
            store_id=shop.store.id,
            category_id=whole,
            data=CategoryUpdate(parent_id=None),
        )
        assert moved.parent_id is None
        services.delete_category(session, shop.tenant, store_id=shop.store.id, category_id=beans)
        flat = services.list_categories(session, shop.tenant, store_id=shop.store.id)
        assert sorted(c.name for c in flat.data) == ["Coffee", "Whole beans"]


def test_categories_through_the_api_move_and_refuse_a_cycle(client, shop):
    top = client.post(shop.categories, json={"names": {"fr": "Café"}}, headers=shop.headers)
    assert top.status_code == 201, top.text
    assert top.json()["slug"] == "cafe"
    child = client.post(
        shop.categories,
        json={"names": {"en": "Beans"}, "parent_id": top.json()["id"]},
        headers=shop.headers,
    ).json()
    cycle = client.patch(
        f"{shop.categories}/{top.json()['id']}",
        json={"parent_id": child["id"]},
        headers=shop.headers,
    )
    assert (cycle.status_code, cycle.json()["code"]) == (409, "category_cycle")
    assert [e["field"] for e in cycle.json()["errors"]] == ["parent_id"]
    again = client.post(
        shop.categories, json={"names": {"en": "x"}, "slug": "cafe"}, headers=shop.headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "category_slug_taken")
    tree = client.get(f"{shop.categories}/tree", headers=shop.headers).json()["data"]
    assert tree[0]["children"][0]["name"] == "Beans"
    refused = client.delete(f"{shop.categories}/{top.json()['id']}", headers=shop.headers)
    assert refused.status_code == 409


HEARD: list = []


def hear(session, event):  # type: ignore[no-untyped-def]
    """A transaction handler the test subscribes to the catalog's events."""
    HEARD.append(event)


def test_changing_a_product_announces_what_changed(runtime, shop, monkeypatch):
    here = f"{__name__}:hear"
    for name in ("product_created", "product_updated", "product_deleted"):
        monkeypatch.setitem(runtime.events.in_transaction, f"catalog.{name}", [(here, "catalog")])
    HEARD.clear()
    product = make_product(runtime, shop, "EV1")
    with runtime.database.unit_of_work() as session:
        services.update_product(
            session,
            shop.tenant,
            store_id=shop.store.id,
            product_id=product,
            data=ItemUpdate(price=99, sku="EV1"),
        )
        services.update_product(
            session,
            shop.tenant,
            store_id=shop.store.id,
            product_id=product,
            data=ItemUpdate(status="draft"),
        )
        services.delete_product(session, shop.tenant, store_id=shop.store.id, product_id=product)
    assert [e.name for e in HEARD] == [
        "catalog.product_created",
        "catalog.product_updated",
        "catalog.product_updated",
        "catalog.product_deleted",
    ]
    assert HEARD[1].changed == ["price"]
    assert all(e.product_id == product and e.tenant_id == shop.tenant.tenant_id for e in HEARD)


def test_stock_quantities_are_refused_where_inventory_keeps_the_stock(runtime, shop, enable):
    if "inventory" not in runtime.registry:
        pytest.skip("the inventory module is not installed")
    enable("inventory", tenant_id=shop.tenant.tenant_id)
    with pytest.raises(OrionError) as refused, runtime.database.unit_of_work() as session:
        services.create_product(
            session,
            shop.tenant,
            store_id=shop.store.id,
            data=ItemCreate(**item("INV", available_quantity=3)),
        )
    assert refused.value.errors[0].field == "available_quantity"
