"""What orders publishes reaches the other modules through the outbox: the customer's
confirmation mail (email, after commit, with a real worker and a real SMTP server on
loopback) and the release of a canceled order's stock (inventory, after commit)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orion.kernel.data.tenancy import all_tenants
from orion.kernel.runtime.models import OutboxEvent
from orion.modules.orders import services
from tests.modules.email.conftest import (  # noqa: F401 - fixtures
    certificates,
    email_settings,
    plain_smtp,
    wait_until,
)

pytestmark = pytest.mark.usefixtures("worker")


def test_the_customer_gets_a_confirmation_mail(shop, enable, email_settings, plain_smtp):  # noqa: F811
    enable("email", tenant_id=shop.tenant.tenant_id)
    order = shop.place(
        ("MUG", 2), ("BOOK", 1), customer_email="buyer-1@example.com", shipping_total=490
    )
    received = plain_smtp.wait_for("buyer-1@example.com")
    assert order.number in received.message["Subject"]
    assert "2 x Product MUG (MUG)" in received.text
    assert "Product BOOK" in (received.html or "")
    total = "€66.70"  # 2 x 14.90 + 32.00 + 4.90
    assert total in received.text
    with shop.work() as session, all_tenants(session):
        outbox = session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "orders.order_placed")
        ).all()
    mine = [row for row in outbox if row.payload["order_id"] == str(order.id)]
    assert len(mine) == 1
    assert wait_until(lambda: _delivered(shop, mine[0].id))


def test_without_the_email_module_an_order_is_placed_and_no_mail_is_queued(shop):
    from orion.kernel.data.paging import Page
    from orion.modules.email import services as email

    order = shop.place(("MUG", 1), customer_email="buyer-2@example.com")
    with shop.work() as session, all_tenants(session):
        outbox = session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "orders.order_placed")
        ).all()
    mine = next(row for row in outbox if row.payload["order_id"] == str(order.id))
    assert wait_until(lambda: _delivered(shop, mine.id))
    with shop.work() as session:
        _, queued = email.list_messages(session, shop.tenant, page=Page())
    assert queued == 0


def _delivered(shop, event_id) -> bool:  # type: ignore[no-untyped-def]
    with shop.work() as session, all_tenants(session):
        return session.get(OutboxEvent, event_id).delivered_at is not None


def test_a_canceled_orders_stock_is_released_after_commit(stocked_shop):
    from orion.modules.inventory.models import StockLevel

    shop = stocked_shop

    def reserved() -> int:
        with shop.work() as session:
            return session.scalars(
                select(StockLevel.reserved).where(StockLevel.product_id == shop.products["MUG"])
            ).one()

    order = shop.place(("MUG", 4))
    assert reserved() == 4
    shop.call(services.cancel, order.id, reason="changed their mind")
    assert wait_until(lambda: reserved() == 0)
