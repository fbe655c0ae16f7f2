"""The catalog's bulk upsert by SKU that imports use (`catalog.services.upsert_items`):
created, updated or unchanged per item; a SKU taken by another kind of row refused for
that item only; the stock each had before."""

from __future__ import annotations

from orion.modules.catalog import services as catalog
from orion.modules.catalog.services import UpsertItem, UpsertVariant


def upsert(shop, *items):  # type: ignore[no-untyped-def]
    with shop.work() as session:
        return catalog.upsert_items(session, shop.tenant, store_id=shop.store_id, items=list(items))


def test_items_are_created_changed_or_left_alone_by_sku(shop):
    mug = UpsertItem(sku="MUG", titles={"en": "Mug"}, price=990, available_quantity=4)
    tee = UpsertItem(
        sku="TEE",
        titles={"en": "Tee"},
        price=2000,
        variants=[UpsertVariant(sku="TEE-M", options={"size": "M"}, available_quantity=2)],
    )
    first = upsert(shop, mug, tee)
    assert first.outcomes == {"MUG": "created", "TEE": "created"} and first.refused == {}
    assert set(first.ids) == {"MUG", "TEE", "TEE-M"}
    same = upsert(
        shop, UpsertItem(sku="MUG", titles={"en": "Mug"}, price=990, available_quantity=4)
    )
    assert same.outcomes == {"MUG": "unchanged"} and same.available == {"MUG": 4}
    cheaper = upsert(shop, UpsertItem(sku="MUG", titles={"fr": "Tasse"}, price=890))
    assert cheaper.outcomes == {"MUG": "updated"}
    products = shop.products()
    assert products["MUG"].titles == {"en": "Mug", "fr": "Tasse"} and products["MUG"].price == 890
    assert products["TEE"].available_quantity == 2 and products["TEE"].status == "active"


def test_a_sku_taken_by_another_kind_of_row_is_refused_for_that_item_only(shop):
    upsert(
        shop,
        UpsertItem(
            sku="TEE",
            titles={"en": "Tee"},
            price=2000,
            variants=[UpsertVariant(sku="TEE-M", options={"size": "M"})],
        ),
    )
    result = upsert(
        shop,
        UpsertItem(sku="TEE-M", titles={"en": "A variant's SKU"}, price=1),
        UpsertItem(
            sku="HAT",
            titles={"en": "Hat"},
            price=1,
            variants=[UpsertVariant(sku="TEE-M", options={"size": "S"})],
        ),
        UpsertItem(
            sku="CAP",
            titles={"en": "Cap"},
            price=1,
            variants=[UpsertVariant(sku="TEE", options={"size": "S"})],
        ),
        UpsertItem(sku="OK", titles={"en": "Fine"}, price=1),
        UpsertItem(sku="OK", titles={"en": "Twice"}, price=2),
    )
    assert result.outcomes == {"OK": "created"}
    assert {sku: field for sku, (field, _) in result.refused.items()} == {
        "TEE-M": "sku",
        "HAT": "sku",
        "CAP": "sku",
        "OK": "sku",
    }
    assert "given twice" in result.refused["OK"][1]  # the later one; the first is created
    assert shop.products()["OK"].title == "Fine"
