"""Events auth publishes (its public contract)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from orion.kernel.runtime.events import Event


class UserRegistered(Event):
    """An account was created (sign-up, an operator, an accepted invitation, the CLI)."""

    name: ClassVar[str] = "auth.user_registered"

    user_id: uuid.UUID
    email: str


class PasswordResetRequested(Event):
    """Someone asked to reset the password of an existing, active account.

    `token` is the plaintext one-time token for the email; it is stored only as a hash.
    """

    name: ClassVar[str] = "auth.password_reset_requested"
    secret_fields: ClassVar[frozenset[str]] = frozenset({"token"})

    user_id: uuid.UUID
    email: str
    token: str
    expires_at: datetime
