"""Orders as their customers see them: the order a checkout answers (opened by its access
token, or by its signed-in customer), a customer's order history, and what orders hold of
a customer (the kernel's `customer_data` point: export, and anonymisation on erasure).

An order's access token is an HMAC of its id with the deployment's secret key: nothing to
store, the same token on a replayed checkout, and no token opens another order.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Keyset
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.orders.exceptions import OrderNotFound
from orion.modules.orders.models import Order, OrderItem
from orion.modules.orders.repository import OrderItemRepository, OrderRepository
from orion.modules.orders.schemas import ShopOrderPublic, ShopOrdersPublic

ERASED_NAME = "(erased)"


def order_access_token(session: Session, order_id: uuid.UUID) -> str:
    secret = session.info["orion.runtime"].settings.secret_key.get_secret_value()
    digest = hmac.new(secret.encode(), f"orders.access:{order_id}".encode(), hashlib.sha256)
    return f"ord_{digest.hexdigest()}"


def storefront_order(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    access_token: str | None,
    customer_id: uuid.UUID | None,
    lock: bool = False,
) -> Order:
    """The store's order if the shopper may open it: its access token, or the signed-in
    customer who placed it. 404 `order_not_found` otherwise (as for an unknown order)."""
    with acting_for(session, tenant):
        try:
            order = OrderRepository(session).of_store(store_id, order_id, lock=lock)
        except OrderNotFound:
            raise OrderNotFound(f"order {order_id} does not exist") from None
        by_token = access_token is not None and hmac.compare_digest(
            access_token, order_access_token(session, order.id)
        )
        by_customer = customer_id is not None and order.customer_id == customer_id
        if not (by_token or by_customer):
            raise OrderNotFound(f"order {order_id} does not exist")
        return order


def shop_order_public(session: Session, tenant: TenantContext, order: Order) -> ShopOrderPublic:
    with acting_for(session, tenant):
        items = OrderItemRepository(session).of_order(order.id)
    fields = {
        name: getattr(order, name) for name in ShopOrderPublic.model_fields if name != "items"
    }
    return ShopOrderPublic.model_validate({**fields, "items": items}, from_attributes=True)


def customer_orders(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    customer_id: uuid.UUID,
    page: Keyset | None = None,
) -> ShopOrdersPublic:
    """The customer's orders in the store, newest first, in keyset pages."""
    with acting_for(session, tenant):
        query = select(Order).where(Order.store_id == store_id, Order.customer_id == customer_id)
        return OrderRepository(session).keyset_listing(
            ShopOrdersPublic,
            query,
            page or Keyset(),
            order_by=Order.placed_at,
            descending=True,
        )


class OrdersOfCustomer:
    """The kernel's `customer_data` point: a customer's orders in their export, and their
    personal data removed on erasure. Amounts, lines, states and documents stay: the books
    must still add up, and issued invoices are kept as the law requires (their snapshots
    are immutable)."""

    def export(
        self, session: Session, tenant: TenantContext, customer_id: uuid.UUID
    ) -> dict[str, Any]:
        with acting_for(session, tenant):
            orders = OrderRepository(session).list(
                select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at)
            )
            items = _items_of(session, [order.id for order in orders])
        return {
            "orders": [
                {
                    **shop_fields(order),
                    "items": [_line(i) for i in items.get(order.id, [])],
                }
                for order in orders
            ]
        }

    def erase(self, session: Session, tenant: TenantContext, customer_id: uuid.UUID) -> None:
        with acting_for(session, tenant):
            orders = OrderRepository(session).list(
                select(Order).where(Order.customer_id == customer_id)
            )
            for order in orders:
                order.customer_email = f"erased-{order.id.hex[:12]}@invalid"
                order.customer_name = ERASED_NAME
                order.shipping_address = _country_only(order.shipping_address)
                order.billing_address = _country_only(order.billing_address)
                order.note = None
            session.flush()


def _line(item: OrderItem) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "title": item.title,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "line_total": item.line_total,
    }


def _country_only(address: dict[str, Any] | None) -> dict[str, Any] | None:
    # The country stays: VAT was charged by it, and the figures per country must hold.
    return None if address is None else {"country": address.get("country")}


def _items_of(session: Session, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[OrderItem]]:
    found: dict[uuid.UUID, list[OrderItem]] = {}
    if not order_ids:
        return found
    rows = OrderItemRepository(session).list(
        select(OrderItem).where(OrderItem.order_id.in_(order_ids)).order_by(OrderItem.position)
    )
    for row in rows:
        found.setdefault(row.order_id, []).append(row)
    return found


def shop_fields(order: Order) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "number": order.number,
        "state": order.state,
        "currency": order.currency,
        "grand_total": order.grand_total,
        "vat_total": order.vat_total,
        "paid_total": order.paid_total,
        "refunded_total": order.refunded_total,
        "customer_email": order.customer_email,
        "customer_name": order.customer_name,
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "placed_at": order.placed_at.isoformat(),
    }


orders_of_customer = OrdersOfCustomer()
