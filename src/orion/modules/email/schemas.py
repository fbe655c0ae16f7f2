"""Email schemas: SMTP configurations and messages.

`EmailConfigBase` and `EmailConfig` keep the seed's names. A password is accepted on the
way in (`EmailConfigUpdate.password`) and never sent back: `EmailConfigPublic` only says
whether one is stored (`has_password`).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
)

from orion.kernel.data.paging import Listing

# -- field types -------------------------------------------------------------------------

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*")
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?|\[?[0-9A-Fa-f:.]+\]?")


def normalize_address(value: str) -> str:
    """`Local@Example.COM` -> `Local@example.com`; ValueError unless it is an address."""
    value = value.strip()
    if len(value) > 254 or not _ADDRESS.fullmatch(value) or len(value.split("@")[0]) > 64:
        raise ValueError("not a valid email address")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _one_line(value: str) -> str:
    # A line break in a header value would let the value write headers of its own.
    if "\r" in value or "\n" in value:
        raise ValueError("must be a single line")
    return value.strip()


def _host(value: str) -> str:
    value = value.strip()
    if not _HOST.fullmatch(value):
        raise ValueError("not a valid host name or IP address")
    return value.lower()


EmailAddress = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"format": "email"}),
    AfterValidator(normalize_address),
]
HeaderText = Annotated[str, Field(max_length=100), AfterValidator(_one_line)]
Hostname = Annotated[str, Field(min_length=1, max_length=253), AfterValidator(_host)]
Port = Annotated[int, Field(ge=1, le=65535)]


class TlsMode(StrEnum):
    NONE = "none"  # plain SMTP (a relay on the same host or network)
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (usually port 587)
    TLS = "tls"  # TLS from the first byte, "SMTPS" (usually port 465)


class ConfigSource(StrEnum):
    TENANT = "tenant"  # the tenant's own server
    PLATFORM = "platform"  # the platform default stored by an operator
    SETTINGS = "settings"  # the deployment default (ORION_MODULES__EMAIL__SMTP_*)


class MessageState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# -- SMTP configurations -------------------------------------------------------------------


class EmailConfigBase(BaseModel):
    host: Hostname = Field(description="SMTP server host name or IP address")
    port: Port = Field(default=587, description="SMTP port: 587 for STARTTLS, 465 for TLS")
    username: Annotated[str, Field(max_length=255), AfterValidator(_one_line)] | None = Field(
        default=None, description="Login for SMTP AUTH; none to send without authenticating"
    )
    tls_mode: TlsMode = Field(default=TlsMode.STARTTLS, description="none, starttls or tls")
    from_address: EmailAddress = Field(description="Sender address of every message")
    from_name: HeaderText | None = Field(default=None, description="Sender display name")


class EmailConfigUpdate(EmailConfigBase):
    """The whole configuration (PUT). Leave `password` out to keep the stored one; send an
    empty string to remove it."""

    password: SecretStr | None = Field(default=None, max_length=1024)


class EmailConfig(EmailConfigBase):
    """An SMTP configuration ready to use, password in the clear: what a message is sent
    with. Never answered by the API."""

    password: SecretStr | None = None
    source: ConfigSource


class EmailConfigPublic(EmailConfigBase):
    model_config = ConfigDict(from_attributes=True)

    has_password: bool
    source: ConfigSource
    updated_at: datetime | None = None


# -- messages ------------------------------------------------------------------------------


class EmailTestSend(BaseModel):
    to: EmailAddress = Field(description="Where to send the test message")


class EmailMessagePublic(BaseModel):
    """A message and its delivery state. The body is not part of it: mail such as
    invitations carries one-time links meant for the recipient only."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID | None
    to: str = Field(validation_alias=AliasChoices("to", "to_address"))
    subject: str
    template: str
    state: MessageState
    attempts: int
    last_error: str | None
    sent_via: ConfigSource | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


EmailMessagesPublic = Listing[EmailMessagePublic]
