"""The inventory cards of a tenant's home page (the kernel's `dashboard_cards` point):
what is out of stock or running low, as something to do."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.contract.points import DashboardCard
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.inventory.repository import LevelRepository

STOCK = "/console/inventory/"


def dashboard_cards(session: Session, tenant: TenantContext) -> list[DashboardCard]:
    with acting_for(session, tenant):
        levels, out, low = LevelRepository(session).stock_states()
    if not levels:
        return [
            DashboardCard(
                title="Stock",
                figure="not tracked yet",
                detail="receive stock at a location to sell without overselling",
                link=STOCK,
            )
        ]
    cards = [
        DashboardCard(
            title="Stock levels",
            figure=levels,
            detail="products and variants tracked per location",
            link=STOCK,
            tone="good" if not (out or low) else "neutral",
        )
    ]
    if out:
        cards.append(
            DashboardCard(
                title="Out of stock",
                figure=out,
                detail="levels with nothing left to sell",
                link=STOCK,
                tone="danger",
                todo=True,
            )
        )
    if low:
        cards.append(
            DashboardCard(
                title="Low stock",
                figure=low,
                detail="levels at or below their low-stock threshold",
                link=STOCK,
                tone="warning",
                todo=True,
            )
        )
    return cards
