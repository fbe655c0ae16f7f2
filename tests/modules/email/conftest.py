"""Fixtures for the email tests: real SMTP servers on loopback (aiosmtpd), with AUTH,
STARTTLS and implicit TLS over a certificate made here, signed by a CA made here that the
module is told to trust (ORION_MODULES__EMAIL__CA_FILE).

Every server speaks the same way to recipients whose local part starts with:
* `refuse` — "550 5.1.1 mailbox unavailable" at RCPT (permanent);
* `busy`   — "451 4.3.0 try again later" the first time the address is seen, then accepts.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as Mime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select

from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import ModuleScope

SMTP_USER = "mailer"
SMTP_PASSWORD = "smtp-Secret-42"


# -- certificates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a certificate for localhost / 127.0.0.1 signed by it."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Orion test CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    certificates = Certificates(
        ca_file=folder / "ca.pem", cert_file=folder / "server.pem", key_file=folder / "key.pem"
    )
    certificates.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certificates.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certificates.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificates


# -- SMTP servers ------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Mime
    login: str | None
    tls: bool

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None


@dataclass
class Recorder:
    """The aiosmtpd handler: records what it accepts, refuses or defers by recipient."""

    received: list[Received] = field(default_factory=list)
    deferred: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        local = address.split("@")[0]
        if local.startswith("refuse"):
            self.refused.append(address)
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("busy") and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode()
        with self.lock:
            self.received.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=message,  # type: ignore[arg-type]
                    login=login,
                    # session.ssl: after STARTTLS; the transport's: TLS from the start.
                    tls=session.ssl is not None
                    or server.transport.get_extra_info("ssl_object") is not None,
                )
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder
    tls_mode: str
    username: str | None = None
    password: str | None = None

    def config(self, **overrides: Any) -> dict[str, Any]:
        """An EmailConfigUpdate body for this server."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "tls_mode": self.tls_mode,
            "from_address": "mailer@orion.example",
            "from_name": "Orion Mailer",
        }
        if self.username:
            values["username"] = self.username
            values["password"] = self.password
        values.update(overrides)
        return values

    def wait_for(self, address: str, timeout: float = 15.0) -> Received:
        assert wait_until(lambda: self.recorder.to(address), timeout), f"no mail for {address}"
        return self.recorder.to(address)[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def free_tcp_port() -> int:
    """A loopback port nobody listens on."""
    return free_port()


def _authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    # handled=False: aiosmtpd then answers a refusal with "535 ... credentials invalid".
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def _start(controller: Controller) -> Controller:
    controller.start()
    return controller


@pytest.fixture(scope="session")
def plain_smtp() -> Iterator[SmtpServer]:
    """No TLS, no authentication: a relay on the local network."""
    recorder = Recorder()
    port = free_port()
    controller = _start(Controller(recorder, hostname="127.0.0.1", port=port))
    yield SmtpServer("127.0.0.1", port, recorder, "none")
    controller.stop()


@pytest.fixture(scope="session")
def starttls_smtp(certificates: Certificates) -> Iterator[SmtpServer]:
    """STARTTLS required before anything, then AUTH required (refused before TLS)."""
    recorder = Recorder()
    port = free_port()
    controller = _start(
        Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            tls_context=certificates.server_context(),
            require_starttls=True,
            authenticator=_authenticate,
            auth_exclude_mechanism=["LOGIN"],  # smtplib would retry a refused PLAIN with it
            auth_required=True,
            auth_require_tls=True,
        )
    )
    yield SmtpServer("localhost", port, recorder, "starttls", SMTP_USER, SMTP_PASSWORD)
    controller.stop()


@pytest.fixture(scope="session")
def tls_smtp(certificates: Certificates) -> Iterator[SmtpServer]:
    """Implicit TLS ("SMTPS") with AUTH."""
    recorder = Recorder()
    port = free_port()
    controller = _start(
        Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            ssl_context=certificates.server_context(),
            server_hostname="localhost",
            authenticator=_authenticate,
            auth_exclude_mechanism=["LOGIN"],  # smtplib would retry a refused PLAIN with it
            # aiosmtpd knows TLS from STARTTLS only: on this connection, TLS from the start,
            # it must offer AUTH without "requiring TLS" (and so cannot require AUTH
            # without a warning); the test checks the client did sign in.
            auth_require_tls=False,
        )
    )
    yield SmtpServer("127.0.0.1", port, recorder, "tls", SMTP_USER, SMTP_PASSWORD)
    controller.stop()


# -- the module's settings and a tenant with it on ----------------------------------------------


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def email_settings(
    runtime: Runtime, plain_smtp: SmtpServer, certificates: Certificates, monkeypatch
) -> dict[str, Any]:
    """Deployment settings for this test: the plain server is the platform default, the
    test CA is trusted, and a deferred message gets three tries."""
    values: dict[str, Any] = {
        "smtp_host": plain_smtp.host,
        "smtp_port": plain_smtp.port,
        "tls_mode": "none",
        "from_address": "platform@orion.example",
        "from_name": "Orion Platform",
        "ca_file": str(certificates.ca_file),
        "timeout_seconds": 5,
        "max_attempts": 3,
    }
    monkeypatch.setitem(runtime.settings.modules, "email", values)
    return values


@pytest.fixture
def email_tenant(runtime: Runtime, make_tenant, email_settings) -> TenantContext:  # type: ignore[no-untyped-def]
    """A tenant with the email module switched on."""
    tenant = make_tenant(f"Acme {uuid.uuid4().hex[:6]}")
    enable_email(runtime, tenant)
    return tenant


def enable_email(runtime: Runtime, tenant: TenantContext) -> None:
    assert tenant.platform_id is not None
    with runtime.database.unit_of_work() as session:
        runtime.modules.enable(
            session, "email", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
        )


def stored(runtime: Runtime, model: Any, *where: Any) -> list[Any]:
    """Rows as stored, read outside any tenant (a fresh session each time)."""
    with runtime.database.unit_of_work() as session, all_tenants(session):
        return list(session.scalars(select(model).where(*where)))


def unique_address(prefix: str = "someone") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
