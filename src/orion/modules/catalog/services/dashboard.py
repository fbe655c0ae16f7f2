"""The catalog cards of a tenant's home page (the kernel's `dashboard_cards` point): the
products on sale and in draft, and a first product to add."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.contract.points import DashboardCard
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.catalog.repository import ProductRepository

PRODUCTS = "/console/catalog/"


def dashboard_cards(session: Session, tenant: TenantContext) -> list[DashboardCard]:
    with acting_for(session, tenant):
        by_status = ProductRepository(session).count_by_status()
    if not by_status:
        return [
            DashboardCard(
                title="Add your first product",
                figure="no products yet",
                detail="products are what your stores sell; add one, or import a feed",
                link=PRODUCTS,
                tone="warning",
                todo=True,
            )
        ]
    drafts = by_status.get("draft", 0)
    return [
        DashboardCard(
            title="Products on sale",
            figure=by_status.get("active", 0),
            detail=f"{drafts} in draft" if drafts else "none in draft",
            link=PRODUCTS,
            tone="good" if by_status.get("active") else "neutral",
        )
    ]
