"""Talking to an SMTP server: build the MIME message, connect (plain, STARTTLS or TLS),
authenticate, send, and sort failures into "try again later" and "give up".

Transient (`DeliveryDeferred`): the server is unreachable (connection refused, timeout,
dropped connection) or answers 4xx. Permanent (`DeliveryFailed`): a 5xx answer, a rejected
login, a certificate that does not verify, a server without STARTTLS when it is asked for.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from orion.kernel.data.db import utcnow
from orion.modules.email.exceptions import DeliveryDeferred, DeliveryFailed
from orion.modules.email.schemas import EmailConfig, TlsMode


@dataclass(frozen=True, slots=True)
class Outgoing:
    to: str
    subject: str
    body_text: str
    body_html: str | None
    from_name: str | None
    reference: str  # our message id, in X-Orion-Message-Id


def build_mime(config: EmailConfig, outgoing: Outgoing) -> MimeMessage:
    mime = MimeMessage()
    local, _, domain = config.from_address.rpartition("@")
    mime["From"] = Address(display_name=outgoing.from_name or "", username=local, domain=domain)
    mime["To"] = outgoing.to
    mime["Subject"] = outgoing.subject
    mime["Date"] = format_datetime(utcnow())
    mime["Message-ID"] = make_msgid(domain=domain)
    mime["Auto-Submitted"] = "auto-generated"
    mime["X-Orion-Message-Id"] = outgoing.reference
    mime.set_content(outgoing.body_text)
    if outgoing.body_html:
        mime.add_alternative(outgoing.body_html, subtype="html")
    return mime


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus `ca_file` when the deployment names one."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def send(
    config: EmailConfig, mime: MimeMessage, *, timeout: float, ca_file: Path | None = None
) -> None:
    """Deliver `mime` to `config`'s server; raise DeliveryDeferred or DeliveryFailed."""
    password = config.password.get_secret_value() if config.password else None
    helo = config.from_address.rpartition("@")[2]  # not socket.getfqdn(): it may hang on DNS
    try:
        if config.tls_mode is TlsMode.TLS:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=helo,
                timeout=timeout,
                context=tls_context(ca_file),
            )
        else:
            client = smtplib.SMTP(config.host, config.port, local_hostname=helo, timeout=timeout)
        with client:
            client.ehlo()
            if config.tls_mode is TlsMode.STARTTLS:
                client.starttls(context=tls_context(ca_file))
                client.ehlo()
            if config.username:
                client.login(config.username, password or "")
            client.send_message(mime)
    except (DeliveryDeferred, DeliveryFailed):
        raise
    except Exception as exc:
        raise classify(exc, config) from exc


def classify(exc: BaseException, config: EmailConfig) -> DeliveryDeferred | DeliveryFailed:
    where = f"{config.host}:{config.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        replies = "; ".join(
            f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in exc.recipients.items()
        )
        message = f"recipient refused by {where}: {replies}"
        if codes and all(400 <= code < 500 for code in codes):
            return DeliveryDeferred(message)
        return DeliveryFailed(message)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryFailed(
            f"{where} rejected the login of {config.username!r}: "
            f"{exc.smtp_code} {_text(exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryFailed(f"{where} does not support what was asked of it: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        message = f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            return DeliveryDeferred(message)
        return DeliveryFailed(message)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryDeferred(f"{where} closed the connection: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryFailed(f"the certificate of {where} does not verify: {exc.verify_message}")
    if isinstance(exc, ssl.SSLError):
        return DeliveryFailed(f"TLS with {where} failed: {exc}")
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryDeferred(f"connection to {where} refused")
    if isinstance(exc, socket.gaierror):
        return DeliveryDeferred(f"cannot resolve {config.host}: {exc}")
    if isinstance(exc, TimeoutError):
        return DeliveryDeferred(f"{where} did not answer in time")
    if isinstance(exc, OSError):
        return DeliveryDeferred(f"cannot reach {where}: {exc}")
    if isinstance(exc, smtplib.SMTPException):
        return DeliveryFailed(f"SMTP error with {where}: {exc}")
    return DeliveryFailed(f"sending through {where} failed: {type(exc).__name__}: {exc}")


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    return str(reply)
