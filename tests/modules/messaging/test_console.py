"""The Messages pages: conversations with unread counts, a conversation with its
messages, attachments and reply form, notifications with the polled badge, preferences."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.modules.messaging import services
from orion.modules.messaging.schemas import NotificationKind
from tests.console.conftest import Browser, errors_in
from tests.modules.messaging.conftest import EXE, PNG, open_conversation

HOME = "/console/messaging/"


@pytest.fixture
def signed_in(app, desk, make_member) -> Iterator[tuple[Browser, object]]:  # type: ignore[no-untyped-def]
    user, password = make_member(desk.tenant, "staff")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser, user


def test_the_list_shows_conversations_with_unread_counts(client, desk, signed_in):
    browser, _ = signed_in
    conversation = open_conversation(client, desk)

    html = browser.get(HOME).text

    assert "<h1>Messages</h1>" in html
    assert 'href="/console/messaging/"' in html  # the menu item
    row = html.split(f"/console/messaging/conversations/{conversation['id']}", 1)[1]
    assert '<strong class="unread">1</strong>' in row.split("</tr>", 1)[0]
    assert 'hx-get="/console/messaging/badge"' in html


def test_a_conversation_page_shows_messages_and_takes_a_reply_with_a_file(client, desk, signed_in):
    browser, _ = signed_in
    cid = open_conversation(client, desk)["id"]
    page = f"{HOME}conversations/{cid}"
    assert "Hello Ana, we are looking into it." in browser.get(page).text

    sent = browser.post(
        page, {"body": "Here is the label"}, files=[("files", ("label.png", PNG, "image/png"))]
    )
    assert sent.status_code == 303, sent.text
    html = browser.get(page).text
    assert "Here is the label" in html and "label.png" in html
    link = html.split('href="/console/messaging/attachments/', 1)[1].split('"', 1)[0]
    assert browser.get(f"/console/messaging/attachments/{link}").content == PNG

    refused = browser.post(page, {"body": "bad"}, files=[("files", ("x.png", EXE, "image/png"))])
    assert refused.status_code == 422
    assert '<small id="e-files[0]" class="error">x.png is not an image' in refused.text
    assert ">bad</textarea>" in refused.text  # the text is kept


def test_the_new_conversation_form_names_what_is_missing(desk, signed_in):
    browser, _ = signed_in
    browser.get(HOME)
    refused = browser.post(
        HOME, {"kind": "customer", "subject": "Hi", "body": "Hello", "store_id": str(desk.store_id)}
    )
    assert refused.status_code == 422
    assert "customer_email" in errors_in(refused.text)


def test_notifications_and_the_badge_follow_what_is_unread(runtime, desk, signed_in):
    browser, user = signed_in
    with runtime.database.unit_of_work(tenant=desk.tenant) as session:
        services.notify(
            session,
            desk.tenant,
            user_ids=[user.id],
            kind=NotificationKind.STOCK_LOW,
            title="Stock low: 2 left",
        )

    badge = browser.get(f"{HOME}badge", headers={"HX-Request": "true"})
    assert badge.status_code == 200
    assert "1 notification" in badge.text and "Stock low: 2 left" in badge.text
    assert "Stock low: 2 left" in browser.get(f"{HOME}notifications").text

    assert browser.post(f"{HOME}notifications/read").status_code == 303
    assert "0 notifications" in browser.get(f"{HOME}badge").text


def test_preferences_are_saved_from_the_form(runtime, desk, signed_in):
    browser, user = signed_in
    browser.get(f"{HOME}preferences")
    saved = browser.post(f"{HOME}preferences", {"order_placed.digest": "on"})
    assert saved.status_code == 303
    html = browser.get(f"{HOME}preferences").text
    assert 'name="order_placed.digest" aria-label="New orders in the digest" checked' in html
    assert 'name="order_placed.in_app" aria-label="New orders in the console" >' in html
    with runtime.database.unit_of_work(tenant=desk.tenant) as session:
        prefs = services.get_preferences(session, desk.tenant, user_id=user.id).preferences
    chosen = {p.kind.value: (p.in_app, p.digest) for p in prefs}
    assert chosen["order_placed"] == (False, True)
