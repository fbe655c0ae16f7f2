"""Delivery through real SMTP servers on loopback: plain, STARTTLS with AUTH, implicit TLS;
refusals recorded, deferrals retried with backoff, unreachable servers given up on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.runtime.models import TaskRun
from orion.modules.email import services
from orion.modules.email.models import EmailMessage
from tests.modules.email.conftest import (
    SMTP_USER,
    enable_email,
    stored,
    unique_address,
    wait_until,
)
from tests.modules.email.helpers import message, send_test, settled, use_server

pytestmark = pytest.mark.usefixtures("worker")


def test_mail_goes_through_starttls_with_authentication(runtime, email_tenant, starttls_smtp):
    use_server(runtime, email_tenant, starttls_smtp)
    to = unique_address()

    message_id = send_test(runtime, email_tenant, to)

    sent = settled(runtime, message_id)
    assert (sent.state, sent.attempts, sent.last_error, sent.sent_via) == (
        "sent",
        1,
        None,
        "tenant",
    )
    received = starttls_smtp.wait_for(to)
    assert received.tls and received.login == SMTP_USER
    assert received.mail_from == "mailer@orion.example"
    assert received.message["From"] == "Orion Mailer <mailer@orion.example>"
    assert received.message["To"] == to
    assert received.message["Subject"].startswith("Test message from Acme ")
    assert received.message["Message-ID"] == sent.smtp_message_id
    assert received.message["X-Orion-Message-Id"] == str(message_id)
    assert "this is a test message from Acme" in received.text
    assert received.html is not None and "<strong>Acme" in received.html


def test_mail_goes_through_implicit_tls(runtime, email_tenant, tls_smtp):
    use_server(runtime, email_tenant, tls_smtp)
    to = unique_address()

    sent = settled(runtime, send_test(runtime, email_tenant, to))

    assert sent.state == "sent"
    received = tls_smtp.wait_for(to)
    assert received.tls and received.login == SMTP_USER


def test_a_refusal_is_recorded_as_failed_without_retrying(runtime, email_tenant, plain_smtp):
    use_server(runtime, email_tenant, plain_smtp)
    to = unique_address("refuse")

    failed = settled(runtime, send_test(runtime, email_tenant, to))

    assert (failed.state, failed.attempts) == ("failed", 1)
    assert "550" in failed.last_error and "mailbox unavailable" in failed.last_error
    assert failed.sent_at is None
    assert plain_smtp.recorder.refused.count(to) == 1


def test_a_deferral_is_retried_with_backoff_until_it_is_sent(runtime, email_tenant, plain_smtp):
    use_server(runtime, email_tenant, plain_smtp)
    to = unique_address("busy")

    message_id = send_test(runtime, email_tenant, to)

    sent = settled(runtime, message_id)
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert to in plain_smtp.recorder.deferred
    assert len(plain_smtp.recorder.to(to)) == 1

    def runs() -> list[tuple[int, str]]:
        rows = stored(runtime, TaskRun, TaskRun.tenant_id == email_tenant.tenant_id)
        return sorted((r.attempt, r.state) for r in rows if r.name == "email.send_message")

    assert wait_until(lambda: runs() == [(1, "retrying"), (2, "succeeded")]), runs()


def test_an_unreachable_server_is_retried_then_given_up(
    runtime, email_tenant, plain_smtp, free_tcp_port
):
    use_server(runtime, email_tenant, plain_smtp, port=free_tcp_port)  # nobody listens

    failed = settled(runtime, send_test(runtime, email_tenant, unique_address()), 30)

    assert (failed.state, failed.attempts) == ("failed", 3)  # max_attempts in the settings
    assert failed.last_error.startswith("gave up after 3 attempts: connection to ")
    assert "refused" in failed.last_error


def test_a_server_whose_certificate_is_not_trusted_fails(
    runtime, email_tenant, starttls_smtp, email_settings
):
    email_settings["ca_file"] = None
    use_server(runtime, email_tenant, starttls_smtp)

    failed = settled(runtime, send_test(runtime, email_tenant, unique_address()))

    assert (failed.state, failed.attempts) == ("failed", 1)
    assert "certificate" in failed.last_error and "does not verify" in failed.last_error


def test_a_wrong_password_fails_with_the_servers_answer(runtime, email_tenant, starttls_smtp):
    use_server(runtime, email_tenant, starttls_smtp, password="not-the-password")

    failed = settled(runtime, send_test(runtime, email_tenant, unique_address()))

    assert failed.state == "failed"
    assert "rejected the login of 'mailer'" in failed.last_error and "535" in failed.last_error


def test_starttls_asked_of_a_server_without_it_fails(runtime, email_tenant, plain_smtp):
    use_server(runtime, email_tenant, plain_smtp, tls_mode="starttls")

    failed = settled(runtime, send_test(runtime, email_tenant, unique_address()))

    assert failed.state == "failed" and "STARTTLS" in failed.last_error


def test_a_message_whose_task_was_lost_is_sent_by_the_sweep(
    runtime, make_tenant, email_settings, plain_smtp
):
    tenant = make_tenant()  # email is off: the send task skips the message
    to = unique_address()
    message_id = send_test(runtime, tenant, to)
    assert wait_until(lambda: skipped_runs(runtime, tenant))
    expired_id = send_test(runtime, tenant, unique_address())
    assert wait_until(lambda: len(skipped_runs(runtime, tenant)) == 2)
    enable_email(runtime, tenant)
    age(runtime, message_id, updated=timedelta(hours=1))
    age(runtime, expired_id, updated=timedelta(days=3), created=timedelta(days=3))

    with runtime.database.unit_of_work() as session:
        counts = services.requeue_stale(session)

    assert counts["requeued"] >= 1 and counts["expired"] >= 1
    assert settled(runtime, message_id).state == "sent"
    plain_smtp.wait_for(to)
    expired = message(runtime, expired_id)
    assert (expired.state, expired.last_error) == ("failed", "not sent within 2 days; gave up")


def skipped_runs(runtime, tenant) -> list[TaskRun]:
    rows = stored(runtime, TaskRun, TaskRun.tenant_id == tenant.tenant_id)
    return [r for r in rows if r.name == "email.send_message" and r.state == "skipped"]


def age(runtime, message_id, *, updated: timedelta, created: timedelta | None = None) -> None:
    now = utcnow()
    values = {"updated_at": now - updated}
    if created is not None:
        values["created_at"] = now - created
    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.execute(update(EmailMessage).where(EmailMessage.id == message_id).values(values))
