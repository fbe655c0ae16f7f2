"""Sign-in sessions: password sign-in (throttled), refresh token families, sign-out.

A successful sign-in opens a *family* of refresh tokens. Each refresh marks the presented
token used and issues its successor in the same family; presenting a used token again
means it was stolen (or replayed), so the whole family is revoked. Access JWTs name their
family (`sid`), so revoking a family (logout, reuse, password reset, deactivation) ends
its access tokens at once too.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.errors import OrionError
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.principals import revoke_after_commit
from orion.kernel.security import new_token
from orion.modules.auth.exceptions import (
    AccountDisabled,
    InvalidCredentials,
    LoginThrottled,
    RefreshTokenInvalid,
)
from orion.modules.auth.models import RefreshToken, User
from orion.modules.auth.repository import RefreshTokenRepository, UserRepository
from orion.modules.auth.schemas import Token
from orion.modules.auth.services.passwords import verify
from orion.modules.auth.throttle import LoginThrottle

log = structlog.get_logger(__name__)

# Token prefixes tell what a leaked secret is (and let secret scanners find it).
REFRESH_TOKEN_PREFIX = "orr"  # noqa: S105
CONSOLE_SESSION = timedelta(hours=12)


def issue_tokens(session: Session, user: User, *, tenant_id: uuid.UUID | None = None) -> Token:
    """Open a sign-in session: an access JWT and the first refresh token of a new family."""
    return _issue(session, user, family_id=uuid.uuid4(), parent_id=None, tenant_id=tenant_id)


def _issue(
    session: Session,
    user: User,
    *,
    family_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    tenant_id: uuid.UUID | None,
) -> Token:
    settings = runtime_of(session).settings
    refresh, digest = new_token(REFRESH_TOKEN_PREFIX)
    RefreshTokenRepository(session).add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            parent_id=parent_id,
            token_hash=digest,
            tenant_id=tenant_id,
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {"sub": str(user.id), "aud": "access", "sid": str(family_id)}
    if tenant_id is not None:
        claims["tid"] = str(tenant_id)
    access = runtime_of(session).jwt.encode(claims, lifetime=lifetime)
    return Token(
        access_token=access, refresh_token=refresh, expires_in=int(lifetime.total_seconds())
    )


def login(session: Session, *, email: str, password: str, address: str | None) -> Token:
    """Sign in with a password, throttled per account and per client address.

    A failure raises an error that keeps the session's changes (the counted failure), so
    the caller commits although it answers 401.
    """
    throttle = LoginThrottle(session)
    wait = throttle.retry_after(email, address)
    if wait is not None:
        raise LoginThrottled("too many failed sign-ins; try again later", retry_after=wait)
    user = UserRepository(session).by_email(email)
    if not verify(user, password) or user is None:
        throttle.failed(email, address)
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountDisabled()
    throttle.succeeded(email)
    user.last_login_at = utcnow()
    return issue_tokens(session, user)


def console_sign_in(session: Session, *, email: str, password: str, address: str | None) -> str:
    """Sign in for the console: the value of its session cookie, a JWT (audience
    `console`) bound to a new sign-in session, so signing out or a password reset ends it."""
    token = login(session, email=email, password=password, address=address)
    jwt = runtime_of(session).jwt
    claims = jwt.decode(token.access_token, audience="access")
    return jwt.encode(
        {"sub": claims["sub"], "aud": "console", "sid": claims["sid"]}, lifetime=CONSOLE_SESSION
    )


def console_sign_out(session: Session, cookie: str) -> None:
    """End the console cookie's sign-in session (nothing when the cookie is no longer valid)."""
    try:
        claims = runtime_of(session).jwt.decode(cookie, audience="console")
    except OrionError:
        return
    _revoke_family(
        session, uuid.UUID(claims["sid"]), user_id=uuid.UUID(claims["sub"]), reason="logout"
    )


def refresh(session: Session, refresh_token: str) -> Token:
    """Rotate a refresh token: the presented one is used up, its successor returned."""
    tokens = RefreshTokenRepository(session)
    row = tokens.by_plaintext(refresh_token)
    if row is None:
        raise RefreshTokenInvalid("the refresh token is not valid")
    now = utcnow()
    if row.revoked_at is not None:
        raise RefreshTokenInvalid(
            "this sign-in session has ended; sign in again", code="refresh_token_revoked"
        )
    if row.used_at is not None:
        _reused(session, row)
    if row.expires_at <= now:
        raise RefreshTokenInvalid("the refresh token has expired", code="refresh_token_expired")
    if not tokens.claim(row, now):  # a concurrent refresh used it first
        _reused(session, row)
    user = UserRepository(session).find(row.user_id)
    if user is None or not user.is_active:
        _revoke_family(session, row.family_id, user_id=row.user_id, reason="deactivated")
        raise RefreshTokenInvalid("this account is disabled", code="account_disabled")
    return _issue(session, user, family_id=row.family_id, parent_id=row.id, tenant_id=row.tenant_id)


def _reused(session: Session, row: RefreshToken) -> None:
    _revoke_family(session, row.family_id, user_id=row.user_id, reason="reuse")
    log.warning("refresh_token_reused", user_id=str(row.user_id), family_id=str(row.family_id))
    raise RefreshTokenInvalid(
        "the refresh token was already used; the session is revoked, sign in again",
        code="refresh_token_reused",
    )


def _revoke_family(
    session: Session, family_id: uuid.UUID, *, user_id: uuid.UUID, reason: str
) -> None:
    RefreshTokenRepository(session).revoke(utcnow(), reason, RefreshToken.family_id == family_id)
    # The family's access JWTs and console cookies stop at once, in every server process.
    revoke_after_commit(session, users=[user_id])


def revoke_sessions(
    session: Session, user_id: uuid.UUID, *, reason: str, keep_family: uuid.UUID | None = None
) -> None:
    """End every sign-in session of the user (but `keep_family`)."""
    where = [RefreshToken.user_id == user_id]
    if keep_family is not None:
        where.append(RefreshToken.family_id != keep_family)
    RefreshTokenRepository(session).revoke(utcnow(), reason, *where)
    revoke_after_commit(session, users=[user_id])


def logout(session: Session, refresh_token: str) -> None:
    """End the sign-in session of this refresh token (its access tokens stop working too)."""
    row = RefreshTokenRepository(session).by_plaintext(refresh_token)
    if row is not None:
        _revoke_family(session, row.family_id, user_id=row.user_id, reason="logout")


def user_and_session(
    session: Session, user_id: uuid.UUID, family_id: uuid.UUID | None
) -> tuple[User | None, bool]:
    """The user, and whether its sign-in session (refresh family) is still on, in one query
    (every request with an access JWT asks both)."""
    users = UserRepository(session)
    if family_id is None:
        return users.find(user_id), True
    return users.with_session_state(user_id, family_id)


def session_active(session: Session, family_id: uuid.UUID) -> bool:
    return RefreshTokenRepository(session).family_active(family_id)
