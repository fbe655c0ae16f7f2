# ruff: noqa: F811  (the `browser` fixtures are imported, then named as arguments)
"""The operators' outbox: every message the email module wrote, with recipient, subject,
time and status; outside production, mail that found no SMTP server keeps its links there,
so an invitation or a password reset can be followed end to end without a mail server.
The reset page says how mail leaves, in the same words whether the account exists or not."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from orion.kernel.data.tenancy import set_tenant
from orion.modules.auth import services as auth
from orion.modules.email.models import EmailMessage
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.schemas import TenantInvitationCreate
from tests.console.conftest import browser, other_browser  # noqa: F401
from tests.modules.email.conftest import enable_email, stored, unique_address, wait_until

OUTBOX = "/console/platform/email/outbox"
pytestmark = pytest.mark.usefixtures("worker")  # the send task runs, as in `orion serve`


def settled(runtime, address: str) -> EmailMessage:  # type: ignore[no-untyped-def]
    def done() -> list[EmailMessage]:
        rows = stored(runtime, EmailMessage, EmailMessage.to_address == address)
        return [row for row in rows if row.state in ("sent", "failed")]

    assert wait_until(done), f"no settled message to {address}"
    (message,) = done()
    return message


def row_of(page: str, address: str) -> str:
    (row,) = [r for r in re.findall(r"<tr id=\"message-.*?</tr>", page, re.S) if address in r]
    return row


def test_an_invitation_without_a_server_is_kept_in_the_outbox_with_its_link(
    browser, other_browser, runtime, make_tenant, make_user
):
    tenant = make_tenant(f"Outbox Shop {uuid.uuid4().hex[:4]}")
    enable_email(runtime, tenant)
    invitee = unique_address("invitee")
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        _invitation, token = tenancy.create_invitation(
            session, tenant, data=TenantInvitationCreate(email=invitee, role="tenant_admin")
        )
    message = settled(runtime, invitee)
    assert message.state == "failed" and "no SMTP server is configured" in message.last_error
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)

    page = browser.get(f"{OUTBOX}?to={invitee}")

    assert page.status_code == 200
    assert "No mail leaves this Orion" in page.text
    row = html.unescape(row_of(page.text, invitee))
    assert "not sent" in row and "kept in the operators' outbox" in row
    assert f'<span class="to">{invitee}</span>' in row  # to
    assert '<span class="from">Outbox Shop' in row  # from
    assert "You are invited to join Outbox Shop" in row  # the subject
    link = re.search(r'<a href="([^"]+)" class="mail-link"', row).group(1)
    assert link.endswith(f"/console/invitations/accept?token={token}")
    accept = other_browser.get(re.sub(r"^https?://[^/]+", "", link))
    assert accept.status_code == 200
    assert "Join Outbox Shop" in accept.text and f"<strong>{invitee}</strong>" in accept.text


def test_a_password_reset_says_no_mail_leaves_in_the_same_words_for_anyone(
    browser, other_browser, runtime, make_user
):
    user, _ = make_user(email=unique_address("forgetful"))
    nobody = unique_address("nobody")

    def ask(email: str) -> str:
        browser.get("/console/password-reset")
        answer = browser.post("/console/password-reset/request", {"email": email})
        assert answer.status_code == 200
        said = answer.text.split('id="reset-sent"', 1)[1].split("</div>", 1)[0]
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", said))).replace(email, "X")

    for_user, for_nobody = ask(user.email), ask(nobody)

    assert for_user == for_nobody  # nothing tells whether the account exists
    assert "no mail is on its way: no SMTP server is configured" in for_user
    assert OUTBOX in for_user
    message = settled(runtime, user.email)
    assert message.template == "password_reset"
    operator, password = make_user(superadmin=True)
    other_browser.sign_in(operator.email, password)
    outbox = other_browser.get(OUTBOX).text
    link = re.search(r'<a href="([^"]+)" class="mail-link"', row_of(outbox, user.email)).group(1)
    assert "/console/password-reset?token=orp" in link
    assert nobody not in outbox  # no account, no mail
    token = link.split("token=", 1)[1]
    with runtime.database.unit_of_work() as session:
        from orion.modules.auth.schemas import NewPassword

        auth.reset_password(session, data=NewPassword(token=token, new_password="Fresh-Horse-88"))
        assert auth.authenticate_password(session, user.email, "Fresh-Horse-88") is not None


def test_in_production_a_one_time_link_is_never_kept(runtime, make_tenant, monkeypatch):
    monkeypatch.setattr(runtime.settings, "environment", "production")
    tenant = make_tenant()
    enable_email(runtime, tenant)
    invitee = unique_address("invitee")
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        tenancy.create_invitation(session, tenant, data=TenantInvitationCreate(email=invitee))

    message = settled(runtime, invitee)

    assert message.state == "failed" and message.body_text == ""
    assert "kept in the operators' outbox" not in message.last_error


def test_the_outbox_is_for_operators_only(browser, make_tenant, make_member):
    admin, password = make_member(make_tenant(), "tenant_admin")
    browser.sign_in(admin.email, password)

    assert browser.get(OUTBOX).status_code == 403


def test_an_empty_outbox_says_how_mail_gets_there(browser, make_user):
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)

    page = browser.get(f"{OUTBOX}?to=nobody-{uuid.uuid4().hex}").text

    assert "No message matches" in page and f'href="{OUTBOX}"' in page


def test_with_a_server_the_reset_page_says_the_mail_is_on_its_way(
    browser, runtime, make_user, email_settings, plain_smtp
):
    user, _ = make_user(email=unique_address("forgetful"))
    browser.get("/console/password-reset")

    answer = browser.post("/console/password-reset/request", {"email": user.email})

    said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", answer.text.split('id="reset-sent"')[1]))
    assert f"If an account exists for {user.email}, a mail with a reset link is on its way" in said
    assert "The link works once, for 60 minutes." in said
    assert "/console/password-reset?token=" in plain_smtp.wait_for(user.email).text
