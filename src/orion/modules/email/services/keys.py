"""Re-encrypting the module's secrets with the newest encryption key."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import all_tenants
from orion.kernel.runtime import runtime_of
from orion.kernel.security import SecretDecryptionError
from orion.modules.email.exceptions import SecretUnreadable
from orion.modules.email.models import SmtpServer
from orion.modules.email.repository import (
    EmailConfigRepository,
    EmailMessageRepository,
    PlatformEmailConfigRepository,
)


def rotate_secrets(session: Session) -> int:
    """Re-encrypt every stored SMTP password (and every sealed body still waiting to be
    sent) with the newest encryption key; return how many secrets were re-encrypted.

    The `secret_rotation` extension point: `orion keys rotate` calls it.
    """
    box = runtime_of(session).secrets
    count = 0

    def rotate(value: str, what: str) -> str:
        try:
            return box.rotate(value)
        except SecretDecryptionError:
            raise SecretUnreadable(
                f"{what}: no configured encryption key opens it; put the key that sealed it "
                "back in ORION_ENCRYPTION_KEYS (or store that password again) and retry"
            ) from None

    with all_tenants(session):
        configs: list[SmtpServer] = [
            *EmailConfigRepository(session).with_password(),
            *PlatformEmailConfigRepository(session).with_password(),
        ]
        for config in configs:
            assert config.password_encrypted is not None
            label = f"{type(config).__tablename__} {config.id}"  # type: ignore[attr-defined]
            config.password_encrypted = rotate(config.password_encrypted, label)
            count += 1
        for message in EmailMessageRepository(session).sealed_waiting():
            label = f"email_message {message.id}"
            message.body_text = rotate(message.body_text, label)
            if message.body_html is not None:
                message.body_html = rotate(message.body_html, label)
            count += 1
        session.flush()
    return count
