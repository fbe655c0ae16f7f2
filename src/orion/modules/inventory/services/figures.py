"""Aggregated stock figures for reports (the analytics module): units on hand per item and
location, one GROUP BY in the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.inventory.models import StockLevel, StockLocation


@dataclass(frozen=True, slots=True)
class OnHand:
    location_id: uuid.UUID
    location_code: str
    location_name: str
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    on_hand: int
    reserved: int


def on_hand_by_location(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID
) -> list[OnHand]:
    """Units on hand (and reserved) per location and item of the store, items without
    units left out; by location code."""
    on_hand = func.sum(StockLevel.on_hand)
    query = (
        select(
            StockLocation.id,
            StockLocation.code,
            StockLocation.name,
            StockLevel.product_id,
            StockLevel.variant_id,
            on_hand,
            func.sum(StockLevel.reserved),
        )
        .join(StockLocation, StockLocation.id == StockLevel.location_id)
        .where(StockLevel.store_id == store_id)
        .group_by(
            StockLocation.id,
            StockLocation.code,
            StockLocation.name,
            StockLevel.product_id,
            StockLevel.variant_id,
        )
        .having(on_hand > 0)
        .order_by(StockLocation.code)
    )
    with acting_for(session, tenant):
        rows = session.execute(query).all()
    return [
        OnHand(location, code, name, product, variant, int(units), int(reserved or 0))
        for location, code, name, product, variant, units, reserved in rows
    ]
