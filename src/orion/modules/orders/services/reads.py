"""Reading orders: one order with its items, the store's orders (filters, pages), the
timeline, shipments and returns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from orion.kernel.data.paging import Keyset, Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.orders.models import Fulfillment, Order, OrderEvent, OrderItem, Return
from orion.modules.orders.repository import (
    FulfillmentRepository,
    OrderEventRepository,
    OrderItemRepository,
    OrderRepository,
    ReturnRepository,
)
from orion.modules.orders.schemas import OrderDetailPublic, OrderPagePublic, OrdersPublic


@dataclass(frozen=True)
class OrderFilters:
    state: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None


def detail(order: Order, items: list[OrderItem]) -> OrderDetailPublic:
    """The API's view of one order with its items."""
    fields = {
        name: getattr(order, name) for name in OrderDetailPublic.model_fields if name != "items"
    }
    return OrderDetailPublic.model_validate({**fields, "items": items}, from_attributes=True)


def get_order(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, order_id: uuid.UUID
) -> Order:
    with acting_for(session, tenant):
        return OrderRepository(session).of_store(store_id, order_id)


def order_items(session: Session, tenant: TenantContext, *, order_id: uuid.UUID) -> list[OrderItem]:
    with acting_for(session, tenant):
        return OrderItemRepository(session).of_order(order_id)


def order_detail(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, order_id: uuid.UUID
) -> OrderDetailPublic:
    with acting_for(session, tenant):
        order = OrderRepository(session).of_store(store_id, order_id)
        return detail(order, OrderItemRepository(session).of_order(order.id))


def find_by_number(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, number: str
) -> Order | None:
    with acting_for(session, tenant):
        return OrderRepository(session).by_number(store_id, number)


def orders_page(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    filters: OrderFilters | None = None,
    page: Keyset,
) -> OrderPagePublic:
    """The API's list: newest first, keyset pages (orders are a large table)."""
    filters = filters or OrderFilters()
    with acting_for(session, tenant):
        orders = OrderRepository(session)
        query = orders.filtered(store_id, **vars(filters))
        return orders.keyset_listing(
            OrderPagePublic, query, page, order_by=Order.placed_at, descending=True
        )


def orders_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    filters: OrderFilters | None = None,
    page: Page | None = None,
) -> OrdersPublic:
    """The console's list: newest first, offset pages with their count."""
    filters = filters or OrderFilters()
    with acting_for(session, tenant):
        orders = OrderRepository(session)
        query = orders.filtered(store_id, **vars(filters))
        return orders.listing(OrdersPublic, query, page, Order.placed_at.desc())


def order_events(
    session: Session, tenant: TenantContext, *, order_id: uuid.UUID
) -> list[OrderEvent]:
    with acting_for(session, tenant):
        return OrderEventRepository(session).of_order(order_id)


def order_fulfillments(
    session: Session, tenant: TenantContext, *, order_id: uuid.UUID
) -> list[Fulfillment]:
    with acting_for(session, tenant):
        return FulfillmentRepository(session).of_order(order_id)


def order_returns(session: Session, tenant: TenantContext, *, order_id: uuid.UUID) -> list[Return]:
    with acting_for(session, tenant):
        return ReturnRepository(session).of_order(order_id)
