"""Notifications raised by other modules' events through the outbox (a real worker):
an order placed tells the store's staff, a low-stock event too, each user's preferences
are respected; and the daily digest mails the unread ones once, through a real SMTP
server on loopback."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from orion.kernel.runtime.events import publish
from orion.modules.inventory.events import StockLow
from orion.modules.messaging import services
from orion.modules.messaging.models import Notification
from orion.modules.messaging.schemas import NotificationKind, PreferencesUpdate
from tests.modules.email.conftest import (  # noqa: F401 - fixtures
    certificates,
    email_settings,
    plain_smtp,
    stored,
    wait_until,
)
from tests.modules.messaging.conftest import API
from tests.modules.orders.conftest import open_shop

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def shop(runtime, make_tenant, make_store, enable):  # type: ignore[no-untyped-def]
    return open_shop(runtime, make_tenant, make_store, enable, modules=("orders", "messaging"))


def notifications_of(runtime, user_id) -> list[Notification]:  # type: ignore[no-untyped-def]
    return stored(runtime, Notification, Notification.user_id == user_id)


def test_the_staff_hear_of_an_order_placed(runtime, shop, make_member, login, client):
    staff, password = make_member(shop.tenant, "staff")
    headers = login(staff.email, password, tenant_id=shop.tenant.tenant_id)

    order = shop.place(("MUG", 2))

    assert wait_until(lambda: notifications_of(runtime, staff.id), timeout=30)
    listing = client.get(f"{API}/notifications", headers=headers).json()
    (shown,) = listing["data"]
    assert shown["kind"] == "order_placed"
    assert "€29.80" in shown["title"]
    assert shown["link"] == f"/console/orders/{order.id}"
    assert client.get(f"{API}/unread", headers=headers).json()["notifications"] == 1

    marked = client.post(f"{API}/notifications/read", headers=headers)
    assert marked.json()["notifications"] == 0


def test_a_low_stock_event_tells_the_staff_as_they_chose(runtime, shop, make_member):
    keen, _ = make_member(shop.tenant, "staff")
    quiet, _ = make_member(shop.tenant, "staff")
    with shop.work() as session:
        services.put_preferences(
            session,
            shop.tenant,
            user_id=quiet.id,
            data=PreferencesUpdate.model_validate(
                {"preferences": [{"kind": "stock_low", "in_app": False, "digest": False}]}
            ),
        )
        publish(
            session,
            StockLow(
                store_id=shop.store_id,
                location_id=uuid.uuid4(),
                level_id=uuid.uuid4(),
                product_id=shop.products["MUG"],
                variant_id=None,
                available=2,
                threshold=5,
            ),
        )

    assert wait_until(lambda: notifications_of(runtime, keen.id), timeout=30)
    (note,) = notifications_of(runtime, keen.id)
    assert note.kind == "stock_low" and note.title == "Stock low: 2 left"
    assert notifications_of(runtime, quiet.id) == []


def test_the_digest_mails_unread_notifications_once(
    runtime,
    shop,
    make_member,
    email_settings,  # noqa: F811
    plain_smtp,  # noqa: F811
):
    reader, _ = make_member(
        shop.tenant, "staff", email=f"digest-{uuid.uuid4().hex[:8]}@example.com"
    )
    in_app_only, _ = make_member(shop.tenant, "staff")
    with shop.work() as session:
        services.put_preferences(
            session,
            shop.tenant,
            user_id=in_app_only.id,
            data=PreferencesUpdate.model_validate(
                {"preferences": [{"kind": "credits_low", "in_app": True, "digest": False}]}
            ),
        )
        for title in ("First news", "Second news"):
            services.notify(
                session,
                shop.tenant,
                user_ids=[reader.id, in_app_only.id],
                kind=NotificationKind.CREDITS_LOW,
                title=title,
                link="/console/credits/",
            )

    def run() -> int:
        return runtime.send_task(
            "messaging.send_digests", kwargs={"tenant_id": str(shop.tenant.tenant_id)}
        ).get(timeout=30)

    assert run() == 1
    received = plain_smtp.wait_for(reader.email)
    assert "2 new notifications" in received.message["Subject"]
    assert "First news" in received.text and "Second news" in received.text
    assert "/console/credits/" in received.text

    assert run() == 0
    assert len(plain_smtp.recorder.to(reader.email)) == 1
    assert plain_smtp.recorder.to(in_app_only.email) == []
    with shop.work() as session:
        rows = session.scalars(select(Notification).where(Notification.user_id == reader.id)).all()
        assert all(row.digested_at is not None for row in rows)
