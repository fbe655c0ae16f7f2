"""The Marketplace pages of the console as a merchant uses them: the key, an upload with its
progress row and error report, the Letzshop orders to confirm, the directory, exports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.modules.marketplace import definition
from orion.modules.marketplace.services import shipments
from tests.console.conftest import Browser
from tests.modules.marketplace.conftest import feed_text
from tests.modules.marketplace.letzshop_server import shipment, unit

PAGE = "/console/marketplace/"


@pytest.fixture
def browser(app, shop, make_member) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_member(shop.tenant, "tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        signed = Browser(c)
        signed.sign_in(user.email, password)
        yield signed


def test_the_menu_item_opens_the_page_and_the_key_is_stored_masked(browser, shop):
    (item,) = definition.menu
    page = browser.get(f"{item.path}?store={shop.store_id}")
    assert page.status_code == 200, page.text
    assert item.path in browser.menu(f"{item.path}?store={shop.store_id}")
    assert "No key yet" in page.text
    saved = browser.post(
        f"{PAGE}credential?store={shop.store_id}", {"api_key": "secret-letzshop-key-9876"}
    )
    assert saved.status_code == 303, saved.text
    shown = browser.get(f"{PAGE}?store={shop.store_id}").text
    assert "****9876" in shown and "secret-letzshop-key" not in shown


def test_an_uploaded_feed_is_listed_with_its_progress_and_error_report(browser, shop):
    from tests.modules.marketplace.test_imports import BAD, GOOD

    browser.get(f"{PAGE}?store={shop.store_id}")
    sent = browser.client.post(
        f"{PAGE}imports?store={shop.store_id}",
        data={"language": "fr", "policy": "skip", "csrf_token": browser.token},
        files={"file": ("feed.tsv", feed_text(GOOD + BAD).encode(), "text/plain")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    with shop.work() as session:
        from orion.modules.marketplace.services import imports

        listed = imports.imports_listing(session, shop.tenant, store_id=shop.store_id).data
    shop.run(listed[0].id)  # the worker's part
    row = browser.get(f"{PAGE}imports/{listed[0].id}/progress?store={shop.store_id}").text
    assert "succeeded" in row and "3 bad row(s)" in row and "hx-get" not in row
    report = browser.get(f"{PAGE}imports/{listed[0].id}/errors.csv?store={shop.store_id}")
    assert report.status_code == 200 and report.text.startswith("row,column,value,message")
    missing = browser.client.post(
        f"{PAGE}imports?store={shop.store_id}",
        data={"language": "fr", "csrf_token": browser.token},
        follow_redirects=False,
    )
    assert missing.status_code == 422 and "choose a feed file" in missing.text


def test_letzshop_orders_are_confirmed_from_the_console(browser, shop, letzshop):
    shop.import_bytes(feed_text([{"id": "MUG", "title": "Mug", "price": "12.50 EUR"}]).encode())
    browser.get(f"{PAGE}?store={shop.store_id}")
    browser.post(f"{PAGE}credential?store={shop.store_id}", {"api_key": letzshop.api_key})
    letzshop.shipments = [shipment("5", [unit("U5", "MUG")])]
    fetched = browser.post(f"{PAGE}orders/sync?store={shop.store_id}")
    assert fetched.status_code == 303, fetched.text
    page = browser.get(f"{PAGE}orders?store={shop.store_id}").text
    assert "H5" in page and "Confirm all" in page and "Shipments" in page
    with shop.work() as session:
        (found,) = shipments.shipments_listing(session, shop.tenant, store_id=shop.store_id).data
    done = browser.post(
        f"{PAGE}orders/{found.id}/confirm?store={shop.store_id}", {"decision": "yes"}
    )
    assert done.status_code == 303
    assert "confirmed" in browser.get(f"{PAGE}orders?store={shop.store_id}").text


def test_the_directory_and_exports_pages_open(browser, shop):
    for path in ("directory", "exports"):
        page = browser.get(f"{PAGE}{path}?store={shop.store_id}")
        assert page.status_code == 200, page.text
    started = browser.post(f"{PAGE}exports?store={shop.store_id}", {"kind": "marketplace_csv"})
    assert started.status_code == 303
    assert "marketplace_csv" in browser.get(f"{PAGE}exports?store={shop.store_id}").text


def test_units_are_confirmed_one_by_one_a_refusal_is_shown_and_tracking_is_sent(
    browser, shop, letzshop
):
    shop.import_bytes(feed_text([{"id": "MUG", "title": "Mug", "price": "12.50 EUR"}]).encode())
    browser.get(f"{PAGE}?store={shop.store_id}")
    browser.post(f"{PAGE}credential?store={shop.store_id}", {"api_key": letzshop.api_key})
    letzshop.shipments = [shipment("6", [unit("U61", "MUG"), unit("U62", "MUG")])]
    letzshop.refuse_units = {"U62"}
    browser.post(f"{PAGE}orders/sync?store={shop.store_id}")
    with shop.work() as session:
        (found,) = shipments.shipments_listing(session, shop.tenant, store_id=shop.store_id).data
    first, second = sorted(found.units, key=lambda u: u.letzshop_id)
    page = browser.get(f"{PAGE}orders?store={shop.store_id}").text
    assert f"/units/{first.id}" in page
    done = browser.post(
        f"{PAGE}orders/{found.id}/units/{first.id}?store={shop.store_id}", {"decision": "yes"}
    )
    assert done.status_code == 303
    refused = browser.post(
        f"{PAGE}orders/{found.id}/units/{second.id}?store={shop.store_id}", {"decision": "yes"}
    )
    assert refused.status_code == 422 and "cannot be confirmed" in refused.text
    assert "ConfirmInventoryUnits" in refused.text  # the call, in the log on the page
    letzshop.refuse_units = set()
    browser.post(
        f"{PAGE}orders/{found.id}/units/{second.id}?store={shop.store_id}", {"decision": "no"}
    )
    page = browser.get(f"{PAGE}orders?store={shop.store_id}").text
    assert "Tracking number" in page  # confirmed (partly): it can ship
    sent = browser.post(
        f"{PAGE}orders/{found.id}/tracking?store={shop.store_id}", {"code": "GR-42"}
    )
    assert sent.status_code == 303, sent.text
    assert "Tracking GR-42 (greco)" in browser.get(f"{PAGE}orders?store={shop.store_id}").text
    from orion.modules.orders import services as orders

    with shop.work() as session:
        (item,) = orders.order_items(session, shop.tenant, order_id=found.order_id)
    assert (item.quantity, item.fulfilled_quantity) == (2, 1)  # the declined unit is not sent
