"""Stock from a feed's quantity column, where the inventory module keeps the tenant's
stock: the feed's quantity is what the store can sell of the item, so the difference to
what it can sell now is adjusted at the store's first active location (created as
`main` when the store has none). An item whose stock is already right is not touched."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import OrionError
from orion.modules.catalog import services as catalog
from orion.modules.inventory import services as inventory
from orion.modules.inventory.schemas import AdjustmentCreate, AdjustmentMode, LocationCreate
from orion.modules.marketplace.services.rows import FeedRow, RowError

REASON = "Letzshop feed import"


def import_location(session: Session, tenant: TenantContext, store_id: uuid.UUID) -> uuid.UUID:
    locations, _ = inventory.list_locations(session, tenant, store_id=store_id)
    active = [loc for loc in locations if loc.is_active]
    if active:
        return active[0].id
    created = inventory.create_location(
        session, tenant, store_id=store_id, data=LocationCreate(code="main", name="Main")
    )
    return created.id


def apply(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    result: catalog.UpsertResult,
    wanted: dict[str, int],
    rows: list[FeedRow],
) -> tuple[list[RowError], int]:
    """Adjust each item whose available stock differs from the feed's; (errors, how many
    items the feed gave a quantity for and were written)."""
    errors: list[RowError] = []
    row_of = {row.sku: row.row for row in rows}
    location_id: uuid.UUID | None = None
    written = 0
    for sku, quantity in wanted.items():
        if sku not in result.ids:
            continue  # refused by the catalog: reported there
        written += 1
        current = result.available.get(sku)
        if current == quantity:
            continue
        if location_id is None:
            location_id = import_location(session, tenant, store_id)
        product_id, variant_id = result.ids[sku]
        try:
            with session.begin_nested():
                inventory.adjust(
                    session,
                    tenant,
                    store_id=store_id,
                    # Untracked so far: a count (0 too: the item is then tracked, and sold
                    # out); tracked: the difference to what it can sell now.
                    data=AdjustmentCreate(
                        location_id=location_id,
                        product_id=product_id,
                        variant_id=variant_id,
                        mode=AdjustmentMode.SET if current is None else AdjustmentMode.DELTA,
                        quantity=quantity if current is None else quantity - current,
                        reason=REASON,
                    ),
                )
        except OrionError as exc:
            errors.append(RowError(row_of.get(sku, 0), "quantity", str(quantity), exc.message))
    return errors, written
