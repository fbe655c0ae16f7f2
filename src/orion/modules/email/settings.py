"""The email module's deployment-wide settings: ORION_MODULES__EMAIL__<FIELD>.

They name the default SMTP server (used for platform mail and for tenants without a server
of their own unless an operator stored a platform default) and how sending behaves.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FilePath,
    SecretStr,
    ValidationInfo,
    field_validator,
)

from orion.modules.email.schemas import (
    ConfigSource,
    EmailAddress,
    EmailConfig,
    HeaderText,
    Hostname,
    Port,
    TlsMode,
)


class EmailSettings(BaseModel):
    """Deployment-wide settings (ORION_MODULES__EMAIL__<FIELD>): the default SMTP server
    for tenants without their own and for platform mail, and how sending behaves."""

    model_config = ConfigDict(extra="forbid")

    smtp_host: Hostname | None = Field(
        default=None, description="Default SMTP server; none: no default server"
    )
    smtp_port: Port = 587
    smtp_username: str | None = Field(default=None, max_length=255)
    smtp_password: SecretStr | None = None
    tls_mode: TlsMode = TlsMode.STARTTLS
    from_address: EmailAddress | None = Field(
        default=None, validate_default=True, description="Sender of platform mail"
    )
    from_name: HeaderText = "Orion"
    ca_file: FilePath | None = Field(
        default=None,
        description="Extra CA certificates (PEM) trusted for SMTP servers, besides the "
        "system's: a private CA, or a test server's self-signed certificate",
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    max_attempts: int = Field(
        default=8, ge=1, le=12, description="Tries per message before it is marked failed"
    )
    test_sends_per_hour: int = Field(
        default=20, ge=1, le=10_000, description="Test messages a tenant may send in an hour"
    )

    @field_validator("from_address")
    @classmethod
    def _sender_with_server(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("smtp_host"):
            raise ValueError("required when smtp_host is set")
        return value

    def default_config(self) -> EmailConfig | None:
        if not self.smtp_host or not self.from_address:
            return None
        return EmailConfig(
            host=self.smtp_host,
            port=self.smtp_port,
            username=self.smtp_username,
            password=self.smtp_password,
            tls_mode=self.tls_mode,
            from_address=self.from_address,
            from_name=self.from_name,
            source=ConfigSource.SETTINGS,
        )


def settings_from(values: dict[str, Any] | None) -> EmailSettings:
    return EmailSettings.model_validate(values or {})
