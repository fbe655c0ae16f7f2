"""A service that commits, raises HTTPException and imports what it should not."""

from fastapi import HTTPException
from sqlalchemy.orm import Session

from broken_shop import helpers
from broken_shop.models import Order
from orion.modules.credits.models import CreditAccount
from orion.modules.tenancy.schemas import TenantPublic


def place_order(session: Session, *, total: int) -> Order:
    order = Order(total=total)
    session.add(order)
    session.commit()
    return order


def find_order(session: Session, order_id: object) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="no such order")
    return order


def describe(account: CreditAccount, tenant: TenantPublic) -> str:
    return helpers.label(f"{account.balance} {tenant.name}")
