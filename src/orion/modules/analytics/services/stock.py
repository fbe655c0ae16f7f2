"""What a store's stock is worth: units on hand (inventory's GROUP BY per location and
item) times the catalog's current price (VAT included), per location and in all."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.tenancy import TenantContext
from orion.modules.analytics.schemas import LocationValue, StockValueLine, StockValueReport
from orion.modules.catalog import services as catalog
from orion.modules.inventory import services as inventory


def stock_value(session: Session, tenant: TenantContext, *, store: StoreInfo) -> StockValueReport:
    """Units on hand valued at the catalog's price of each item. Items the catalog does
    not sell now (drafts, archived) have no price: their units are counted apart."""
    held = inventory.on_hand_by_location(session, tenant, store_id=store.id)
    labels = catalog.product_labels(
        session, tenant, store_id=store.id, product_ids={row.product_id for row in held}
    )
    skus = {
        row.variant_id or row.product_id: labels[row.variant_id or row.product_id].sku
        for row in held
        if (row.variant_id or row.product_id) in labels
    }
    sellable = catalog.find_sellable(session, tenant, store_id=store.id, skus=set(skus.values()))
    lines: list[StockValueLine] = []
    locations: dict[object, LocationValue] = {}
    for row in held:  # one row per item and location, already summed by the database
        key = row.variant_id or row.product_id
        label = labels.get(key)
        item = sellable.get(skus.get(key, ""))
        price = item.unit_price if item is not None and item.currency == store.currency else None
        value = row.on_hand * price if price is not None else 0
        lines.append(
            StockValueLine(
                location_id=row.location_id,
                location_code=row.location_code,
                location_name=row.location_name,
                product_id=row.product_id,
                variant_id=row.variant_id,
                sku=label.sku if label else "?",
                title=label.title if label else "(deleted item)",
                on_hand=row.on_hand,
                unit_price=price,
                value=value,
            )
        )
        place = locations.setdefault(
            row.location_id,
            LocationValue(
                location_id=row.location_id,
                location_code=row.location_code,
                location_name=row.location_name,
                units=0,
                value=0,
                unpriced_units=0,
            ),
        )
        place.units += row.on_hand
        place.value += value
        place.unpriced_units += row.on_hand if price is None else 0
    return StockValueReport(
        store_id=store.id,
        currency=store.currency,
        units=sum(p.units for p in locations.values()),
        value=sum(p.value for p in locations.values()),
        unpriced_units=sum(p.unpriced_units for p in locations.values()),
        locations=list(locations.values()),
        lines=sorted(lines, key=lambda line: (line.location_code, line.sku)),
    )
