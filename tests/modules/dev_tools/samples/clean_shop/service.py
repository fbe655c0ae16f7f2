"""Business logic: flushes, reads another module through its services only."""

from sqlalchemy.orm import Session

from clean_shop.models import Order
from clean_shop.repository import OrderRepository
from clean_shop.schemas import OrderCreate
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.credits import services as credits


def create_order(session: Session, tenant: TenantContext, *, data: OrderCreate) -> Order:
    with acting_for(session, tenant):
        order = OrderRepository(session).add(Order(tenant_id=tenant.tenant_id, total=data.total))
        session.flush()
        return order


def balance(session: Session, tenant: TenantContext) -> int | None:
    return credits.balance_of(session, tenant.tenant_id)
