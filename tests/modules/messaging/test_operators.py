"""The platform's operators and the tenants: every tenant's platform conversations in one
list (never a customer conversation), a conversation opened with a tenant named by name,
messages signed with their authors' names on both sides, and the operators' pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.modules.auth.services import create_user
from orion.modules.tenancy.services import add_member
from tests.console.conftest import Browser, errors_in
from tests.modules.messaging.conftest import API, PNG, open_conversation, open_desk, post

ADMIN_API = "/api/v1/admin/messaging"
PAGES = "/console/platform/messaging"


@pytest.fixture
def named(runtime, login):  # type: ignore[no-untyped-def]
    """`named(full_name, tenant=None, role="staff", superadmin=False)`: a user with that name
    (a member of `tenant` when given) and their headers."""

    def make(full_name, tenant=None, role="staff", superadmin=False):  # type: ignore[no-untyped-def]
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        with runtime.database.unit_of_work() as session:
            user = create_user(
                session,
                email=email,
                password="a long enough password 1",
                full_name=full_name,
                is_superadmin=superadmin,
            )
            if tenant is not None:
                add_member(session, tenant, user_id=user.id, role=role)
        headers = login(
            email, "a long enough password 1", tenant_id=tenant.tenant_id if tenant else None
        )
        return user, headers

    return make


def name_of(runtime, tenant) -> str:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        return runtime.directory.name_of(session, tenant.tenant_id)


def unread_messages(badge: str) -> int:
    found = re.search(r"(\d+) unread messages?", badge)
    assert found, badge
    return int(found.group(1))


def _platform_conversation(client, headers, subject="Invoice question"):  # type: ignore[no-untyped-def]
    response = client.post(
        f"{API}/conversations",
        json={"kind": "platform", "subject": subject, "body": "Hello platform team"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_operators_list_every_tenants_platform_conversations_and_no_customer_one(
    client, make_tenant, make_store, make_member, login, enable, messaging_settings, named
):
    first = open_desk(make_tenant, make_store, make_member, login, enable)
    second = open_desk(make_tenant, make_store, make_member, login, enable)
    ours = _platform_conversation(client, first.staff, "Billing")
    theirs = _platform_conversation(client, second.staff, "Import help")
    customer = open_conversation(client, first)
    _, operator = named("Olga Operator", superadmin=True)

    listing = client.get(f"{ADMIN_API}/conversations?limit=200", headers=operator).json()
    shown = {row["id"]: row for row in listing["data"]}
    assert ours["id"] in shown and theirs["id"] in shown
    assert customer["id"] not in shown
    assert shown[ours["id"]]["unread"] == 1 and shown[ours["id"]]["tenant_name"]
    assert shown[ours["id"]]["tenant_id"] == str(first.tenant.tenant_id)

    one = client.get(
        f"{ADMIN_API}/conversations?tenant_id={second.tenant.tenant_id}", headers=operator
    ).json()
    assert [row["id"] for row in one["data"]] == [theirs["id"]]
    unread = client.get(f"{ADMIN_API}/unread", headers=operator).json()
    assert unread["conversations"] >= 2 and unread["messages"] >= 2


def test_an_operator_writes_to_a_tenant_by_name_and_both_sides_see_each_others_names(
    runtime, client, make_tenant, messaging_settings, named, enable
):
    tenant = make_tenant(f"Names {uuid.uuid4().hex[:6]}")
    enable("messaging", tenant_id=tenant.tenant_id)
    _, nora = named("Nora Staff", tenant)
    _, olga = named("Olga Operator", superadmin=True)
    response = client.post(
        f"{ADMIN_API}/conversations",
        json={
            "tenant": name_of(runtime, tenant),
            "subject": "Your plan",
            "body": "Shall we upgrade you?",
        },
        headers=olga,
    )
    assert response.status_code == 201, response.text
    conversation = response.json()
    assert conversation["kind"] == "platform"
    assert conversation["tenant_id"] == str(tenant.tenant_id)

    assert post(client, nora, conversation["id"], "Yes please").status_code == 201
    staff_view = client.get(
        f"{API}/conversations/{conversation['id']}/messages", headers=nora
    ).json()
    assert [(m["author_name"], m["author_side"]) for m in staff_view["data"]] == [
        ("Olga Operator", "operator"),
        ("Nora Staff", "staff"),
    ]
    operator_view = client.get(
        f"/api/v1/admin/messaging/tenants/{tenant.tenant_id}/conversations/"
        f"{conversation['id']}/messages",
        headers=olga,
    ).json()
    assert [m["author_name"] for m in operator_view["data"]] == ["Olga Operator", "Nora Staff"]
    assert all(m["author_user_id"] for m in operator_view["data"])


def test_a_tenant_nobody_is_called_is_the_tenant_fields_error(client, named):
    _, olga = named("Olga Operator", superadmin=True)
    response = client.post(
        f"{ADMIN_API}/conversations",
        json={"tenant": f"no such {uuid.uuid4().hex}", "subject": "Hi", "body": "Hello"},
        headers=olga,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["tenant"]


def test_members_cannot_use_the_operators_routes(client, desk):
    for path in ("/conversations", "/notifications", "/unread", "/preferences"):
        assert client.get(f"{ADMIN_API}{path}", headers=desk.staff).status_code == 403


# -- the operators' pages ----------------------------------------------------------------------


@pytest.fixture
def operator_browser(app, runtime) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    with runtime.database.unit_of_work() as session:
        create_user(
            session,
            email=email,
            password="a long enough password 1",
            full_name="Olga Operator",
            is_superadmin=True,
        )
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(email, "a long enough password 1")
        yield browser


def test_operators_open_a_conversation_from_their_page_and_talk_with_the_tenant(
    runtime, client, desk, operator_browser
):
    tenant_name = name_of(runtime, desk.tenant)
    index = operator_browser.get(f"{PAGES}/")
    assert index.status_code == 200 and "<h1>Messages with tenants</h1>" in index.text
    assert f'href="{PAGES}/"' in index.text  # the menu item
    assert f'<option value="{tenant_name}"' in index.text

    refused = operator_browser.post(
        f"{PAGES}/", {"tenant": "nobody at all", "subject": "Hi", "body": "Hello"}
    )
    assert refused.status_code == 422 and "tenant" in errors_in(refused.text)

    opened = operator_browser.post(
        f"{PAGES}/", {"tenant": tenant_name, "subject": "Welcome", "body": "Hello from us"}
    )
    assert opened.status_code == 303, opened.text
    page_url = opened.headers["location"]
    conversation_id = page_url.rsplit("/", 1)[1]

    # The tenant's staff read it with the operator's name, and answer with a file.
    messages = client.get(f"{API}/conversations/{conversation_id}/messages", headers=desk.staff)
    assert [m["author_name"] for m in messages.json()["data"]] == ["Olga Operator"]
    answer = post(client, desk.staff, conversation_id, "Thanks!", files=[("shot.png", PNG)])
    assert answer.status_code == 201
    attachment_id = answer.json()["attachments"][0]["id"]

    listed = operator_browser.get(f"{PAGES}/").text
    row = listed.split(f"{PAGES}/conversations/{conversation_id}", 1)[1].split("</tr>", 1)[0]
    assert '<strong class="unread">1</strong>' in row and tenant_name in row
    unread_before = unread_messages(operator_browser.get(f"{PAGES}/badge").text)

    shown = operator_browser.get(page_url)
    assert shown.status_code == 200
    assert "Hello from us" in shown.text and "Thanks!" in shown.text
    assert '<strong class="author">Test User</strong>' in shown.text  # the staff member
    assert "platform team" in shown.text
    download = operator_browser.get(f"{PAGES}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.content == PNG

    replied = operator_browser.post(page_url, {"body": "Glad to help"})
    assert replied.status_code == 303
    after = client.get(f"{API}/conversations/{conversation_id}/messages", headers=desk.staff)
    assert after.json()["data"][-1]["body"] == "Glad to help"
    # Opening the page read the staff's answer (other tenants' conversations stay unread).
    assert unread_messages(operator_browser.get(f"{PAGES}/badge").text) == unread_before - 1


def test_an_operator_page_never_opens_a_customer_conversation(client, desk, operator_browser):
    customer = open_conversation(client, desk)
    assert operator_browser.get(f"{PAGES}/conversations/{customer['id']}").status_code == 404
    assert operator_browser.get(f"{PAGES}/conversations/{uuid.uuid4()}").status_code == 404


def test_the_operators_pages_are_for_operators(client, desk, app, make_member):
    user, password = make_member(desk.tenant, "tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        assert browser.get(f"{PAGES}/").status_code == 403
