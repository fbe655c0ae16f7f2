"""Password reset: a single-use, emailed token, then a new password."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.security import hash_password, new_token
from orion.modules.auth.events import PasswordResetRequested
from orion.modules.auth.exceptions import ResetTokenExpired, ResetTokenInvalid, ResetTokenUsed
from orion.modules.auth.models import PasswordResetToken
from orion.modules.auth.repository import PasswordResetTokenRepository, UserRepository
from orion.modules.auth.schemas import NewPassword
from orion.modules.auth.services.passwords import check_password_strength
from orion.modules.auth.services.sessions import revoke_sessions
from orion.modules.auth.throttle import LoginThrottle, auth_settings

log = structlog.get_logger(__name__)

RESET_TOKEN_PREFIX = "orp"  # noqa: S105


def request_password_reset(session: Session, email: str) -> None:
    """Email a single-use reset token to an existing, active account; silently nothing
    otherwise (the caller answers the same either way)."""
    user = UserRepository(session).by_email(email)
    if user is None or not user.is_active:
        return
    settings = auth_settings(runtime_of(session))
    resets = PasswordResetTokenRepository(session)
    now = utcnow()
    if resets.issued_since(user.id, now - timedelta(hours=1)) >= settings.password_resets_per_hour:
        log.warning("password_reset_throttled", user_id=str(user.id))
        return
    resets.expire_outstanding(user.id, now)  # a new token replaces the ones still outstanding
    token, digest = new_token(RESET_TOKEN_PREFIX)
    expires_at = now + timedelta(minutes=settings.password_reset_minutes)
    resets.add(PasswordResetToken(user_id=user.id, token_hash=digest, expires_at=expires_at))
    publish(
        session,
        PasswordResetRequested(
            user_id=user.id, email=user.email, token=token, expires_at=expires_at
        ),
    )


def reset_password(session: Session, *, data: NewPassword) -> None:
    """Set a new password with an emailed token; every sign-in session of the user ends."""
    resets = PasswordResetTokenRepository(session)
    row = resets.by_plaintext(data.token)
    if row is None:
        raise ResetTokenInvalid()
    if row.used_at is not None:
        raise ResetTokenUsed()
    now = utcnow()
    if row.expires_at <= now:
        raise ResetTokenExpired()
    user = UserRepository(session).find(row.user_id)
    if user is None or not user.is_active:
        raise ResetTokenInvalid()
    check_password_strength(data.new_password, email=user.email, field="new_password")
    if not resets.claim(row, now):
        raise ResetTokenUsed()
    user.hashed_password = hash_password(data.new_password)
    revoke_sessions(session, user.id, reason="password_reset")
    LoginThrottle(session).succeeded(user.email)
    session.flush()
