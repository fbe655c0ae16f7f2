"""Mail sent on other modules' events, after their transaction commits: the invitation of
tenancy.invitation_created (the tenant's mail) and the reset link of
auth.password_reset_requested (platform mail, through the platform default)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from orion.kernel.data.tenancy import set_tenant
from orion.kernel.runtime.models import OutboxEvent
from orion.modules.auth import services as auth
from orion.modules.auth.schemas import NewPassword
from orion.modules.email.models import EmailConfig, EmailMessage
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.schemas import TenantInvitationCreate
from tests.modules.email.conftest import enable_email, stored, unique_address, wait_until
from tests.modules.email.helpers import send_test, settled, use_server

pytestmark = pytest.mark.usefixtures("worker")


def link_in(body: str, path: str) -> tuple[str, str]:
    """The first link to `path` in `body`, and its token."""
    line = next(word for word in body.split() if path in word)
    url = urlsplit(line)
    return f"{url.scheme}://{url.netloc}{url.path}", parse_qs(url.query)["token"][0]


def messages_to(runtime, address: str) -> list[EmailMessage]:
    return stored(runtime, EmailMessage, EmailMessage.to_address == address)


def test_an_invitation_is_mailed_to_the_invitee_through_the_tenants_server(
    runtime, email_tenant, make_member, tls_smtp
):
    use_server(runtime, email_tenant, tls_smtp, from_name="Acme Team")
    admin, _ = make_member(email_tenant, "tenant_admin")
    invitee = unique_address("invitee")

    with runtime.database.unit_of_work() as session:
        set_tenant(session, email_tenant)
        _invitation, token = tenancy.create_invitation(
            session,
            email_tenant,
            data=TenantInvitationCreate(email=invitee, role="staff"),
            invited_by=admin.id,
        )

    received = tls_smtp.wait_for(invitee)
    base_url = runtime.settings.base_url
    assert link_in(received.text, "/console/invitations/accept") == (
        f"{base_url}/console/invitations/accept",
        token,
    )
    assert received.message["From"] == "Acme Team <mailer@orion.example>"
    assert received.message["Subject"].startswith(f"{admin.email} invited you to join Acme ")
    assert "as a staff member" in received.text
    assert token in (received.html or "")
    (message,) = messages_to(runtime, invitee)
    message = settled(runtime, message.id)
    assert (message.tenant_id, message.template, message.state) == (
        email_tenant.tenant_id,
        "invitation",
        "sent",
    )
    assert token not in message.body_text  # the one-time link is not kept once sent


def test_no_invitation_mail_for_a_tenant_without_the_module(
    runtime, make_tenant, make_member, email_settings, plain_smtp
):
    tenant = make_tenant()  # email is not switched on for it
    invitee = unique_address("invitee")

    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        tenancy.create_invitation(
            session, tenant, data=TenantInvitationCreate(email=invitee, role="user")
        )

    def delivered() -> bool:  # the event went through the outbox: every handler had its go
        rows = stored(
            runtime,
            OutboxEvent,
            OutboxEvent.name == "tenancy.invitation_created",
            OutboxEvent.tenant_id == tenant.tenant_id,
        )
        return bool(rows) and all(row.delivered_at is not None for row in rows)

    assert wait_until(delivered)
    assert messages_to(runtime, invitee) == []
    assert plain_smtp.recorder.to(invitee) == []


def test_a_password_reset_link_is_mailed_through_the_platform_default(
    runtime, email_tenant, make_user, plain_smtp
):
    user, _ = make_user(email=unique_address("forgetful"))

    with runtime.database.unit_of_work() as session:
        auth.request_password_reset(session, user.email)

    received = plain_smtp.wait_for(user.email)
    url, token = link_in(received.text, "/console/password-reset")
    assert url == f"{runtime.settings.base_url}/console/password-reset"
    assert received.mail_from == "platform@orion.example"
    assert received.message["From"] == "Orion Platform <platform@orion.example>"
    assert "Reset your" in received.message["Subject"]
    (message,) = messages_to(runtime, user.email)
    message = settled(runtime, message.id)
    assert (message.tenant_id, message.template, message.state, message.sent_via) == (
        None,
        "password_reset",
        "sent",
        "settings",
    )
    assert token not in message.body_text
    with runtime.database.unit_of_work() as session:  # the mailed token is the real one
        auth.reset_password(session, data=NewPassword(token=token, new_password="New-Horse-77"))
    assert auth_user_signs_in(runtime, user.email, "New-Horse-77")


def auth_user_signs_in(runtime, email: str, password: str) -> bool:
    with runtime.database.unit_of_work() as session:
        return auth.authenticate_password(session, email, password) is not None


def test_a_deleted_tenants_server_and_mail_are_dropped(runtime, email_tenant, plain_smtp):
    use_server(runtime, email_tenant, plain_smtp)
    message_id = send_test(runtime, email_tenant, unique_address())
    settled(runtime, message_id)

    with runtime.database.unit_of_work() as session:
        tenancy.delete_tenant(session, email_tenant.tenant_id)

    def gone() -> bool:
        tenant_id = email_tenant.tenant_id
        return not stored(runtime, EmailConfig, EmailConfig.tenant_id == tenant_id) and not (
            stored(runtime, EmailMessage, EmailMessage.tenant_id == tenant_id)
        )

    assert wait_until(gone)


def test_deleting_a_tenant_leaves_the_other_tenants_mail(
    runtime, email_tenant, make_tenant, plain_smtp
):
    other = make_tenant()
    enable_email(runtime, other)
    for tenant in (email_tenant, other):
        use_server(runtime, tenant, plain_smtp)
        settled(runtime, send_test(runtime, tenant, unique_address()))

    with runtime.database.unit_of_work() as session:
        tenancy.delete_tenant(session, email_tenant.tenant_id)

    assert wait_until(
        lambda: not stored(runtime, EmailConfig, EmailConfig.tenant_id == email_tenant.tenant_id)
    )
    assert stored(runtime, EmailConfig, EmailConfig.tenant_id == other.tenant_id)
    assert stored(runtime, EmailMessage, EmailMessage.tenant_id == other.tenant_id)


def test_a_low_and_an_empty_credit_balance_are_mailed_to_the_tenants_admins(
    runtime, email_tenant, make_member, tls_smtp
):
    from orion.kernel.runtime.activation import ModuleScope
    from orion.modules.credits import services as credits

    use_server(runtime, email_tenant, tls_smtp)
    admin, _ = make_member(email_tenant, "tenant_admin", email=unique_address("owner"))
    staff, _ = make_member(email_tenant, "staff", email=unique_address("staff"))
    with runtime.database.unit_of_work() as session:
        scope = ModuleScope(email_tenant.platform_id, email_tenant.tenant_id)
        runtime.modules.enable(session, "credits", scope=scope)
    with runtime.database.unit_of_work() as session:
        set_tenant(session, email_tenant)
        credits.add(session, email_tenant, amount=100, reason="t", idempotency_key="low-1")
        credits.update_settings(session, email_tenant, low_balance_threshold=50)
    for amount, key in ((60, "low-2"), (40, "low-3")):  # 40 left (low), then 0 (depleted)
        with runtime.database.unit_of_work() as session:
            set_tenant(session, email_tenant)
            credits.deduct(session, email_tenant, amount=amount, idempotency_key=key)

    assert wait_until(lambda: len(tls_smtp.recorder.to(admin.email)) == 2)
    subjects = sorted(mail.message["Subject"] for mail in tls_smtp.recorder.to(admin.email))
    name = subjects[0].split(":")[0]
    assert subjects == [
        f"{name}: your credit balance is low (40 left)",
        f"{name}: your credits are used up",
    ]
    low = next(m for m in tls_smtp.recorder.to(admin.email) if "low" in m.message["Subject"])
    assert f"{runtime.settings.base_url}/console/credits" in low.text
    assert messages_to(runtime, staff.email) == []
