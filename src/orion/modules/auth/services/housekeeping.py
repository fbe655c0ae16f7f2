"""Purging what expired: refresh and reset tokens, old failed sign-ins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.runtime import runtime_of
from orion.modules.auth.repository import (
    LoginFailureRepository,
    PasswordResetTokenRepository,
    RefreshTokenRepository,
)
from orion.modules.auth.throttle import auth_settings

PURGE_AFTER = timedelta(days=7)  # kept a while after expiry for investigations


def purge_expired(session: Session) -> dict[str, int]:
    now = utcnow()
    window = timedelta(seconds=auth_settings(runtime_of(session)).login_window_seconds)
    return {
        "refresh_tokens": RefreshTokenRepository(session).purge(now - PURGE_AFTER),
        "reset_tokens": PasswordResetTokenRepository(session).purge(now - PURGE_AFTER),
        "login_failures": LoginFailureRepository(session).purge(now - window),
    }
