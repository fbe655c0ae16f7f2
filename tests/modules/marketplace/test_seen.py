"""The SKUs an import has met: every duplicate found with the row it was first on, past
the size the table was made for too."""

from __future__ import annotations

from orion.modules.marketplace.services.seen import SeenSkus


def test_each_sku_is_remembered_with_its_first_row_and_the_table_grows_when_it_must():
    seen = SeenSkus(expected=10)
    assert [seen.add(f"SKU-{n}", n + 2) for n in range(5000)] == [None] * 5000
    assert seen.add("SKU-0", 9000) == 2
    assert seen.add("SKU-4999", 9001) == 5001
    assert seen.add("sku-0", 9002) is None  # SKUs are compared exactly
