"""What the orders module puts on a tenant's home page: orders and sales of the last 30
days, and the orders waiting for the merchant as things to do."""

from __future__ import annotations

from orion.modules.orders import services
from orion.modules.orders.services.dashboard import dashboard_cards
from orion.modules.tenancy import services as tenancy


def cards_of(shop):  # type: ignore[no-untyped-def]
    with shop.work() as session:
        return {card.title: card for card in dashboard_cards(session, shop.tenant)}


def test_orders_sales_and_what_to_do_are_counted_from_the_orders(stocked_shop):
    shop = stocked_shop
    pending = shop.place(("MUG", 2))  # 29.80
    confirmed = shop.place(("BOOK", 1))  # 32.00
    shop.call(services.confirm, confirmed.id)
    canceled = shop.place(("BEANS", 1))
    shop.call(services.cancel, canceled.id)

    cards = cards_of(shop)

    assert cards["Orders"].figure == 2  # the canceled one left out
    assert cards["Orders"].series[-1][1] == 2.0  # today, the last of 30 days
    assert len(cards["Orders"].series) == 30
    assert cards["Sales"].figure.replace("\xa0", " ") == "€61.80"
    assert cards["Orders to confirm"].figure == 1 and cards["Orders to confirm"].todo
    assert cards["Orders to ship"].figure == 1
    assert pending.state == "pending"


def test_a_store_without_orders_shows_none_and_nothing_to_do(shop):
    cards = cards_of(shop)
    assert cards["Orders"].figure == 0
    assert "Sales" not in cards and not any(card.todo for card in cards.values())


def test_the_tenant_home_page_shows_the_commerce_cards(stocked_shop):
    stocked_shop.place(("MUG", 1))
    with stocked_shop.work() as session:
        dashboard = tenancy.dashboard(session, stocked_shop.tenant)
    titles = {card.title for card in dashboard.cards} | {c.title for c in dashboard.todo}
    assert {"Orders", "Products on sale", "Stock levels"} <= titles
