"""Conversations between a store's staff and a customer, and between operators and a
tenant: messages, read state per participant, attachments checked by their content, and
nothing of another tenant's visible."""

from __future__ import annotations

from tests.modules.messaging.conftest import (
    API,
    EXE,
    PNG,
    open_conversation,
    open_desk,
    post,
    unread_of,
)


def test_staff_and_a_customer_talk_and_each_reader_has_their_own_unread_count(client, desk):
    conversation = open_conversation(client, desk)
    cid = conversation["id"]
    assert unread_of(client, desk.staff, cid) == 0  # the opener read their own message
    assert unread_of(client, desk.colleague, cid) == 1

    reply = post(client, desk.staff, cid, "It arrived, thanks!", from_customer="true")
    assert reply.status_code == 201, reply.text
    assert reply.json()["author_side"] == "customer"
    assert reply.json()["author_name"] == "Ana"

    assert unread_of(client, desk.staff, cid) == 1
    assert unread_of(client, desk.colleague, cid) == 2
    assert client.get(f"{API}/unread", headers=desk.colleague).json()["messages"] == 2

    read = client.post(f"{API}/conversations/{cid}/read", headers=desk.colleague)
    assert read.status_code == 200 and read.json()["unread"] == 0
    assert unread_of(client, desk.colleague, cid) == 0
    assert unread_of(client, desk.staff, cid) == 1  # one reader's state is not another's

    messages = client.get(f"{API}/conversations/{cid}/messages", headers=desk.staff).json()
    assert [m["body"] for m in messages["data"]] == [
        "Hello Ana, we are looking into it.",
        "It arrived, thanks!",
    ]


def test_a_customer_conversation_needs_a_store_and_an_address(client, desk):
    response = client.post(
        f"{API}/conversations",
        json={"kind": "customer", "subject": "Hi", "body": "Hello"},
        headers=desk.staff,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"store_id", "customer_email"} <= fields


def test_a_png_is_attached_and_downloaded_by_participants(client, desk):
    cid = open_conversation(client, desk)["id"]
    sent = post(client, desk.staff, cid, "The label", files=[("label.png", PNG, "image/png")])
    assert sent.status_code == 201, sent.text
    (attachment,) = sent.json()["attachments"]
    assert attachment["content_type"] == "image/png" and attachment["size"] == len(PNG)

    download = client.get(f"{API}/attachments/{attachment['id']}", headers=desk.colleague)
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"


def test_files_are_judged_by_their_content_not_their_name(client, desk):
    cid = open_conversation(client, desk)["id"]
    for data in (EXE, b"just some text, not an image"):
        refused = post(client, desk.staff, cid, "x", files=[("photo.png", data, "image/png")])
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error["field"] == "files[0]"
        assert "photo.png" in error["message"]
    text = post(
        client, desk.staff, cid, "notes", files=[("notes.txt", "héllo".encode(), "text/plain")]
    )
    assert text.status_code == 201
    assert text.json()["attachments"][0]["content_type"] == "text/plain"
    messages = client.get(f"{API}/conversations/{cid}/messages", headers=desk.staff).json()
    assert messages["count"] == 2  # the refused posts wrote nothing


def test_a_file_over_the_limit_is_refused_naming_its_field(client, desk, messaging_settings):
    messaging_settings["max_attachment_bytes"] = 1000
    cid = open_conversation(client, desk)["id"]
    big = PNG + b"\x00" * 2000
    refused = post(
        client,
        desk.staff,
        cid,
        "x",
        files=[("a.png", PNG, "image/png"), ("b.png", big, "image/png")],
    )
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert error["field"] == "files[1]"
    assert "larger than" in error["message"]


def test_another_tenants_conversation_does_not_exist(
    client, desk, make_tenant, make_store, make_member, login, enable
):
    cid = open_conversation(client, desk)["id"]
    attachment = post(client, desk.staff, cid, "x", files=[("a.png", PNG, "image/png")]).json()
    other = open_desk(make_tenant, make_store, make_member, login, enable)

    assert client.get(f"{API}/conversations/{cid}", headers=other.staff).status_code == 404
    assert client.get(f"{API}/conversations/{cid}/messages", headers=other.staff).status_code == 404
    assert post(client, other.staff, cid, "sneaky").status_code == 404
    download = client.get(
        f"{API}/attachments/{attachment['attachments'][0]['id']}", headers=other.staff
    )
    assert download.status_code == 404
    assert client.get(f"{API}/conversations", headers=other.staff).json()["count"] == 0


def test_operators_talk_with_a_tenant_and_never_see_its_customers(client, desk, operator_headers):
    customer_chat = open_conversation(client, desk)["id"]
    base = f"/api/v1/admin/messaging/tenants/{desk.tenant.tenant_id}"
    opened = client.post(
        f"{base}/conversations",
        json={"kind": "platform", "subject": "Your plan", "body": "We upgraded your plan."},
        headers=operator_headers,
    )
    assert opened.status_code == 201, opened.text
    cid = opened.json()["id"]

    assert unread_of(client, desk.staff, cid) == 1
    answer = post(client, desk.staff, cid, "Thank you!")
    assert answer.status_code == 201
    seen = client.get(f"{base}/conversations", headers=operator_headers).json()
    assert [c["id"] for c in seen["data"]] == [cid]
    assert seen["data"][0]["unread"] == 1
    assert (
        client.get(f"{base}/conversations/{customer_chat}", headers=operator_headers).status_code
        == 404
    )
    refused = client.post(
        f"{base}/conversations",
        json={
            "kind": "customer",
            "store_id": str(desk.store_id),
            "subject": "x",
            "customer_email": "a@example.com",
            "body": "x",
        },
        headers=operator_headers,
    )
    assert refused.status_code == 422
