# ruff: noqa: F811  (the `browser` fixtures are imported, then named as arguments)
"""Inviting from the console says what became of the mail (queued for an SMTP server, or not
mailed and why, with the link to pass on), and the accept page says who invited whom to
which tenant as what, or plainly why the link no longer works."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import unquote

from sqlalchemy import update

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import acting_for, all_tenants
from orion.modules.email import services as email
from orion.modules.email.schemas import EmailConfigUpdate
from orion.modules.tenancy import services
from orion.modules.tenancy.models import Invitation
from orion.modules.tenancy.schemas import TenantAdminUpdate
from tests.console.conftest import browser, errors_in, other_browser, switch_module  # noqa: F401
from tests.helpers import unique_email


def invite(browser, email: str, role: str = "staff"):  # type: ignore[no-untyped-def]
    browser.get("/console/tenancy/members")
    return browser.post("/console/tenancy/invitations", {"email": email, "role": role})


def outcome(page: str) -> str:
    """The invitation's outcome as a person reads it."""
    found = re.search(r'id="invited"(.*?)</article>', page, re.S).group(1)
    return re.sub(r"\s+", " ", html.unescape(found))


def link_in(html: str) -> str:
    return re.search(r'id="invitation-link">([^<]+)<', html).group(1)


def token_of(link: str) -> str:
    return unquote(link.split("token=", 1)[1])


def test_with_the_email_module_off_the_invitation_says_it_was_not_mailed(
    browser, make_tenant, make_member
):
    tenant = make_tenant("Quiet Shop")  # email is not on for it
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    invitee = unique_email("invitee")

    invited = invite(browser, invitee)

    assert invited.status_code == 201
    said = outcome(invited.text)
    assert (
        f"Invitation created for {invitee}, but not mailed: the email module is off for "
        "Quiet Shop." in said
    )
    assert "mailed to" not in said.lower()
    assert f"Copy this link and send it to {invitee} yourself" in said
    assert "/console/invitations/accept?token=" in link_in(invited.text)


def test_without_an_smtp_server_the_invitation_says_so_and_points_to_the_mail_settings(
    browser, runtime, make_tenant, make_member
):
    tenant = make_tenant("Serverless Shop")
    switch_module(runtime, tenant, "email", on=True)  # on, but no server anywhere
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)

    invited = invite(browser, unique_email("invitee"))

    said = outcome(invited.text)
    assert "but not mailed: no SMTP server is configured" in said
    assert 'href="/console/email/"' in said  # where the admin sets up a server
    assert "outbox" not in said  # the operators' page, not the tenant's


def test_with_a_server_the_invitation_is_queued_for_sending_through_it(
    browser, runtime, make_tenant, make_member
):
    tenant = make_tenant("Mailing Shop")
    switch_module(runtime, tenant, "email", on=True)
    with runtime.database.unit_of_work() as session:
        email.put_config(
            session,
            tenant,
            data=EmailConfigUpdate(
                host="mail.mailing-shop.test",
                port=2525,
                tls_mode="none",
                from_address="team@mailing-shop.test",
            ),
        )
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    invitee = unique_email("invitee")

    said = outcome(invite(browser, invitee).text)

    assert (
        f"Invitation queued for sending to {invitee} through mail.mailing-shop.test:2525, "
        "the tenant's own server." in said
    )
    assert "If it does not arrive, pass this link on yourself" in said


def test_the_accept_page_says_who_invited_whom_to_which_tenant_as_what(
    browser, other_browser, make_tenant, make_member
):
    tenant = make_tenant("Harbour Books")
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    invitee = unique_email("reader")
    link = link_in(invite(browser, invitee, role="tenant_admin").text)

    page = other_browser.get(f"/console/invitations/accept?token={token_of(link)}")

    assert page.status_code == 200
    summary = re.sub(r"<[^>]+>", "", page.text.split('id="invitation-summary">', 1)[1])
    assert f"{admin.full_name} invited {invitee} to Harbour Books as tenant admin." in re.sub(
        r"\s+", " ", summary
    )
    assert "Join Harbour Books" in page.text
    assert 'name="full_name"' in page.text  # a new account: name and password


def test_an_invitee_with_an_account_is_asked_for_its_password_only(
    browser, other_browser, make_tenant, make_member, make_user
):
    tenant = make_tenant("Second Home")
    admin, password = make_member(tenant, "tenant_admin")
    existing, _ = make_user(email=unique_email("known"))
    browser.sign_in(admin.email, password)
    link = link_in(invite(browser, existing.email).text)

    page = other_browser.get(f"/console/invitations/accept?token={token_of(link)}")

    assert f"You already have an account with {existing.email}" in page.text
    assert 'name="full_name"' not in page.text


def test_used_revoked_expired_and_unknown_links_say_so_plainly(
    browser, other_browser, runtime, make_tenant, make_member
):
    tenant = make_tenant("Plain Words")
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    used, revoked, expired, suspended = (
        token_of(link_in(invite(browser, unique_email(name)).text))
        for name in ("used", "revoked", "expired", "suspended")
    )
    accepted = other_browser.post(
        "/console/invitations/accept",
        {"token": used, "full_name": "Una", "password": "Long-enough-pass-7"},
    )
    assert accepted.status_code == 303
    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.execute(
            update(Invitation)
            .where(Invitation.email.like("revoked-%"), Invitation.tenant_id == tenant.tenant_id)
            .values(revoked_at=utcnow())
        )
        session.execute(
            update(Invitation)
            .where(Invitation.email.like("expired-%"), Invitation.tenant_id == tenant.tenant_id)
            .values(expires_at=utcnow() - timedelta(days=1))
        )

    def shown(token: str):  # type: ignore[no-untyped-def]
        return other_browser.get(f"/console/invitations/accept?token={token}")

    assert shown(used).status_code == 410 and "This invitation was already used" in shown(used).text
    assert "This invitation was withdrawn" in shown(revoked).text
    assert "This invitation has expired" in shown(expired).text
    assert 'id="accept-form"' not in shown(expired).text
    unknown = shown("inv_not-a-real-token")
    assert unknown.status_code == 404 and "This invitation link does not work" in unknown.text
    with runtime.database.unit_of_work() as session:
        services.update_tenant(session, tenant.tenant_id, data=TenantAdminUpdate(is_active=False))
    assert "Plain Words is not active" in shown(suspended).text


def test_a_refused_password_keeps_the_invitation_in_view(
    browser, other_browser, make_tenant, make_member
):
    tenant = make_tenant("Kept View")
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    token = token_of(link_in(invite(browser, unique_email("short")).text))
    other_browser.get(f"/console/invitations/accept?token={token}")

    refused = other_browser.post(
        "/console/invitations/accept", {"token": token, "full_name": "Sam", "password": "short"}
    )

    assert refused.status_code == 422 and "password" in errors_in(refused.text)
    assert "Join Kept View" in refused.text and 'value="Sam"' in refused.text


def test_revoking_from_the_team_page_still_works_after_the_outcome(
    browser, runtime, make_tenant, make_member
):
    tenant = make_tenant("Revoker")
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    invite(browser, unique_email("gone"))
    with runtime.database.unit_of_work() as session, acting_for(session, tenant):
        (invitation,), _ = services.list_invitations(session, tenant, status="pending")

    revoked = browser.post(f"/console/tenancy/invitations/{invitation.id}/revoke")

    assert revoked.status_code == 303
    assert "The invitation is revoked." in browser.get("/console/tenancy/members").text
