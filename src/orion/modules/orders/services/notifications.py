"""The order confirmation mail, sent to the customer after the order commits.

An after-commit handler of `orders.order_placed` (through the outbox, at least once:
the handler runs once per event id) queues the mail with the email module's
`queue_email`, through the tenant's own mail settings (or the platform's default). The
templates are this module's (`templates/email/order_confirmation.*`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.data.money import format_money
from orion.kernel.data.tenancy import require_tenant
from orion.kernel.runtime import runtime_of
from orion.modules.email import services as email
from orion.modules.orders.events import OrderPlaced
from orion.modules.orders.repository import OrderItemRepository, OrderRepository
from orion.modules.tenancy import services as tenancy

CONFIRMATION = "orders/order_confirmation"
EMAIL = "email"


def send_confirmation(session: Session, event: OrderPlaced) -> None:
    """orders.order_placed: mail the customer what they ordered (where the tenant has the
    email module on)."""
    tenant = require_tenant(session)
    if tenant.platform_id is None or not runtime_of(session).modules.is_enabled(
        session, EMAIL, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
    ):
        return
    order = OrderRepository(session).find(event.order_id)
    if order is None:  # the store (and its orders) went away meanwhile
        return
    items = OrderItemRepository(session).of_order(order.id)
    store = tenancy.stores.store(session, tenant, order.store_id)

    def money(amount: int) -> str:
        return format_money(amount, order.currency)

    email.queue_email(
        session,
        tenant_id=order.tenant_id,
        to=order.customer_email,
        template=CONFIRMATION,
        context={
            "number": order.number,
            "customer_name": order.customer_name or "",
            "store_name": store.name if store else "",
            "lines": [
                {
                    "title": item.title,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "unit_price": money(item.unit_price),
                    "line_total": money(item.line_total),
                }
                for item in items
            ],
            "items_total": money(order.items_total),
            "discount_total": money(order.discount_total) if order.discount_total else "",
            "shipping_total": money(order.shipping_total),
            "vat_total": money(order.vat_total),
            "grand_total": money(order.grand_total),
        },
    )
