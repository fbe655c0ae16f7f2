"""Users, passwords, sign-in sessions, password reset and API access tokens.

The public surface other modules call: `create_user`, `get_user`, `get_user_by_email`,
`authenticate_password`, `issue_tokens`. Functions take the session first, then the acting
principal, then keyword-only options; they flush, never commit.

Sign-in sessions: a successful sign-in opens a *family* of refresh tokens. Each refresh
marks the presented token used and issues its successor in the same family; presenting a
used token again means it was stolen (or replayed), so the whole family is revoked. Access
JWTs name their family (`sid`), so revoking a family (logout, reuse, password reset,
deactivation) ends its access tokens at once too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache

import structlog
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.contract.principal import Principal
from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page, paginate
from orion.kernel.errors import FieldError, NotFound, OrionError, ValidationFailed
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.security import hash_password, hash_token, new_token, verify_password
from orion.modules.auth.events import PasswordResetRequested, UserRegistered
from orion.modules.auth.exceptions import (
    AccessTokenNotFound,
    AccessTokensNeedAUser,
    AccountDisabled,
    EmailTaken,
    IncorrectPassword,
    InvalidCredentials,
    InvalidEmail,
    InvalidScopes,
    LastSuperadmin,
    LoginThrottled,
    RefreshTokenInvalid,
    RegistrationClosed,
    ResetTokenExpired,
    ResetTokenInvalid,
    ResetTokenUsed,
    UserNotFound,
    WeakPassword,
)
from orion.modules.auth.models import (
    AccessToken,
    LoginFailure,
    PasswordResetToken,
    RefreshToken,
    User,
)
from orion.modules.auth.schemas import (
    AccessTokenCreate,
    AccessTokenCreated,
    AccessTokenPublic,
    NewPassword,
    Token,
    UpdatePassword,
    UserRegister,
    UserUpdate,
    UserUpdateMe,
    normalize_email,
)
from orion.modules.auth.throttle import LoginThrottle, auth_settings
from orion.modules.core import service as core

log = structlog.get_logger(__name__)

REGISTRATION_SETTING = "auth.registration_open"
# Token prefixes tell what a leaked secret is (and let secret scanners find it).
ACCESS_TOKEN_PREFIX = "orn"  # noqa: S105
REFRESH_TOKEN_PREFIX = "orr"  # noqa: S105
RESET_TOKEN_PREFIX = "orp"  # noqa: S105
ACCESS_TOKEN_VISIBLE = 8  # characters of an access token kept in clear to recognise it
PASSWORD_MIN_LENGTH = 10


# -- passwords ------------------------------------------------------------------------------------


def check_password_strength(password: str, *, email: str | None, field: str = "password") -> None:
    """Raise WeakPassword (422 naming `field`) for a password too easy to guess."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise WeakPassword(f"use at least {PASSWORD_MIN_LENGTH} characters", field=field)
    if password.isalpha():
        raise WeakPassword("use digits or symbols as well as letters", field=field)
    if password.isdigit():
        raise WeakPassword("use letters as well as digits", field=field)
    if email and password.strip().lower() == email.strip().lower():
        raise WeakPassword("the password must not be the email address", field=field)


@cache
def _dummy_hash() -> str:
    return hash_password("orion-timing-equaliser-password")


def _verify(user: User | None, password: str) -> bool:
    """Check a password; with no user, spend the same time so timing reveals nothing."""
    if user is None:
        verify_password(password, _dummy_hash())
        return False
    matches, new_hash = verify_password(password, user.hashed_password)
    if matches and new_hash:
        user.hashed_password = new_hash  # stored with outdated parameters: upgrade it
    return matches


def _set_password(user: User, password: str, *, field: str) -> None:
    check_password_strength(password, email=user.email, field=field)
    user.hashed_password = hash_password(password)


# -- users -------------------------------------------------------------------------------------


def _email(value: str, *, field: str = "email") -> str:
    try:
        return normalize_email(value)
    except ValueError as exc:
        raise InvalidEmail(str(exc), field=field) from None


def _email_taken(session: Session, email: str, *, other_than: uuid.UUID | None = None) -> bool:
    query = select(User.id).where(User.email == email)
    if other_than is not None:
        query = query.where(User.id != other_than)
    return session.scalar(query.limit(1)) is not None


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    full_name: str | None = None,
    is_superadmin: bool = False,
    is_active: bool = True,
) -> User:
    """A new account. EmailTaken (409, `email`), WeakPassword / InvalidEmail (422)."""
    email = _email(email)
    check_password_strength(password, email=email)
    if _email_taken(session, email):
        raise EmailTaken(email)
    user = User(
        email=email,
        hashed_password=hash_password(password),
        full_name=full_name,
        is_superadmin=is_superadmin,
        is_active=is_active,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # registered concurrently, between the check and the insert
        raise EmailTaken(email) from None
    publish(session, UserRegistered(user_id=user.id, email=user.email))
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_users(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Several users by id in one query (lists of members, of tenants)."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))}


def require_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"user {user_id} does not exist", user_id=str(user_id))
    return user


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate_password(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (in constant-ish time)."""
    user = get_user_by_email(session, email)
    if not _verify(user, password) or user is None or not user.is_active:
        return None
    return user


def registration_open(session: Session) -> bool:
    runtime = runtime_of(session)
    platform_id = runtime.directory.default_platform_id(session)
    try:
        return core.get_setting(session, platform_id, REGISTRATION_SETTING).value is True
    except NotFound:
        return False


def register(session: Session, *, data: UserRegister) -> User:
    """Self-service sign-up, when the platform setting `auth.registration_open` is true."""
    if not registration_open(session):
        raise RegistrationClosed("registration is closed on this platform; ask for an invitation")
    return create_user(session, email=data.email, password=data.password, full_name=data.full_name)


def list_users(
    session: Session, *, page: Page, search: str | None = None
) -> tuple[list[User], int]:
    query = select(User)
    if search:
        term = search.strip().lower()  # matched literally (autoescape), "%" and "_" too
        query = query.where(
            or_(
                User.email.contains(term, autoescape=True),
                func.lower(User.full_name).contains(term, autoescape=True),
            )
        )
    return paginate(session, query, page, User.created_at, User.id)


def _other_active_superadmins(session: Session, user_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.is_superadmin.is_(True), User.is_active.is_(True), User.id != user_id)
        )
        or 0
    )


def update_user(session: Session, user_id: uuid.UUID, *, data: UserUpdate) -> User:
    """An operator changes an account. Deactivating it ends its sessions and tokens; the last
    active superadmin cannot be demoted or deactivated."""
    user = require_user(session, user_id)
    fields = data.model_fields_set
    losing_operator = (
        user.is_superadmin
        and user.is_active
        and (data.is_superadmin is False or data.is_active is False)
    )
    if losing_operator and _other_active_superadmins(session, user.id) == 0:
        raise LastSuperadmin("the last active superadmin cannot be demoted or deactivated")
    if "full_name" in fields:
        user.full_name = data.full_name
    if data.is_superadmin is not None:
        user.is_superadmin = data.is_superadmin
    if data.is_active is not None:
        if user.is_active and not data.is_active:
            revoke_sessions(session, user.id, reason="deactivated")
        user.is_active = data.is_active
    session.flush()
    return user


def current_user(session: Session, principal: Principal) -> User:
    """The caller's account (a principal without a user, e.g. a service's, has none)."""
    if principal.user_id is None:
        raise AccessTokensNeedAUser("this route needs a signed-in user")
    return require_user(session, principal.user_id)


def _require_user_session(principal: Principal) -> uuid.UUID:
    """Account changes need the user themself, not a program holding an API access token."""
    if principal.user_id is None:
        raise AccessTokensNeedAUser("this route needs a signed-in user")
    if principal.scopes is not None:
        raise AccessTokensNeedAUser(
            "API access tokens cannot change the account; sign in with a password"
        )
    return principal.user_id


def update_me(session: Session, principal: Principal, *, data: UserUpdateMe) -> User:
    user = require_user(session, _require_user_session(principal))
    fields = data.model_fields_set
    if data.email is not None and data.email != user.email:
        if not data.current_password:
            raise ValidationFailed(
                "changing the email address needs the current password",
                errors=[FieldError("current_password", "required to change the email")],
            )
        if not _verify(user, data.current_password):
            raise IncorrectPassword()
        if _email_taken(session, data.email, other_than=user.id):
            raise EmailTaken(data.email)
        user.email = data.email
    if "full_name" in fields:
        user.full_name = data.full_name
    session.flush()
    return user


def change_password(
    session: Session,
    principal: Principal,
    *,
    data: UpdatePassword,
    keep_session: uuid.UUID | None = None,
) -> None:
    """Change the password; every other sign-in session of the user ends."""
    user = require_user(session, _require_user_session(principal))
    if not _verify(user, data.current_password):
        raise IncorrectPassword()
    if data.new_password == data.current_password:
        raise WeakPassword("choose a password different from the current one", field="new_password")
    _set_password(user, data.new_password, field="new_password")
    revoke_sessions(session, user.id, reason="password_changed", keep_family=keep_session)
    session.flush()


# -- sign-in sessions ----------------------------------------------------------------------------


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
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            parent_id=parent_id,
            token_hash=digest,
            tenant_id=tenant_id,
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    session.flush()
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
    user = get_user_by_email(session, email)
    if not _verify(user, password) or user is None:
        throttle.failed(email, address)
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountDisabled()
    throttle.succeeded(email)
    user.last_login_at = utcnow()
    return issue_tokens(session, user)


CONSOLE_SESSION = timedelta(hours=12)


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
    _revoke_family(session, uuid.UUID(claims["sid"]), reason="logout")


def refresh(session: Session, refresh_token: str) -> Token:
    """Rotate a refresh token: the presented one is used up, its successor returned."""
    row = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
    )
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
    claimed = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # a concurrent refresh used it first
        _reused(session, row)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        _revoke_family(session, row.family_id, reason="deactivated")
        raise RefreshTokenInvalid("this account is disabled", code="account_disabled")
    return _issue(session, user, family_id=row.family_id, parent_id=row.id, tenant_id=row.tenant_id)


def _reused(session: Session, row: RefreshToken) -> None:
    _revoke_family(session, row.family_id, reason="reuse")
    log.warning("refresh_token_reused", user_id=str(row.user_id), family_id=str(row.family_id))
    raise RefreshTokenInvalid(
        "the refresh token was already used; the session is revoked, sign in again",
        code="refresh_token_reused",
    )


def _revoke_family(session: Session, family_id: uuid.UUID, *, reason: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


def revoke_sessions(
    session: Session, user_id: uuid.UUID, *, reason: str, keep_family: uuid.UUID | None = None
) -> None:
    """End every sign-in session of the user (but `keep_family`)."""
    query = update(RefreshToken).where(
        RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )
    if keep_family is not None:
        query = query.where(RefreshToken.family_id != keep_family)
    session.execute(
        query.values(revoked_at=utcnow(), revoked_reason=reason).execution_options(
            synchronize_session=False
        )
    )


def logout(session: Session, refresh_token: str) -> None:
    """End the sign-in session of this refresh token (its access tokens stop working too)."""
    row = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
    )
    if row is not None:
        _revoke_family(session, row.family_id, reason="logout")


def user_and_session(
    session: Session, user_id: uuid.UUID, family_id: uuid.UUID | None
) -> tuple[User | None, bool]:
    """The user, and whether its sign-in session (refresh family) is still on, in one query
    (every request with an access JWT asks both)."""
    if family_id is None:
        return get_user(session, user_id), True
    active = (
        select(RefreshToken.id)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .exists()
    )
    row = session.execute(select(User, active).where(User.id == user_id)).first()
    return (row[0], bool(row[1])) if row else (None, False)


def session_active(session: Session, family_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(RefreshToken.id)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .limit(1)
        )
        is not None
    )


# -- password reset ------------------------------------------------------------------------------


def request_password_reset(session: Session, email: str) -> None:
    """Email a single-use reset token to an existing, active account; silently nothing
    otherwise (the caller answers the same either way)."""
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        return
    settings = auth_settings(runtime_of(session))
    now = utcnow()
    recent = session.scalar(
        select(func.count())
        .select_from(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.created_at > now - timedelta(hours=1),
        )
    )
    if (recent or 0) >= settings.password_resets_per_hour:
        log.warning("password_reset_throttled", user_id=str(user.id))
        return
    # A new token replaces the ones still outstanding.
    session.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token, digest = new_token(RESET_TOKEN_PREFIX)
    expires_at = now + timedelta(minutes=settings.password_reset_minutes)
    session.add(PasswordResetToken(user_id=user.id, token_hash=digest, expires_at=expires_at))
    session.flush()
    publish(
        session,
        PasswordResetRequested(
            user_id=user.id, email=user.email, token=token, expires_at=expires_at
        ),
    )


def reset_password(session: Session, *, data: NewPassword) -> None:
    """Set a new password with an emailed token; every sign-in session of the user ends."""
    row = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(data.token))
    )
    if row is None:
        raise ResetTokenInvalid()
    if row.used_at is not None:
        raise ResetTokenUsed()
    now = utcnow()
    if row.expires_at <= now:
        raise ResetTokenExpired()
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise ResetTokenInvalid()
    check_password_strength(data.new_password, email=user.email, field="new_password")
    claimed = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ResetTokenUsed()
    user.hashed_password = hash_password(data.new_password)
    revoke_sessions(session, user.id, reason="password_reset")
    LoginThrottle(session).succeeded(user.email)
    session.flush()


# -- API access tokens -----------------------------------------------------------------------


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create_access_token(
    session: Session, principal: Principal, *, data: AccessTokenCreate
) -> AccessTokenCreated:
    """A token for programs, acting for the principal's user in the principal's tenant with
    at most the principal's permissions. The plaintext is returned this once."""
    if principal.user_id is None or principal.tenant is None:
        raise AccessTokensNeedAUser("API access tokens belong to a user in a tenant")
    declared = runtime_of(session).registry.permissions()
    scopes = sorted(set(data.scopes))
    unknown = [scope for scope in scopes if scope not in declared]
    if unknown:
        raise InvalidScopes(f"unknown scopes: {', '.join(unknown)}")
    missing = [scope for scope in scopes if not principal.can(scope)]
    if missing:
        raise InvalidScopes(f"you do not have these permissions here: {', '.join(missing)}")
    expires_at = _as_utc(data.expires_at) if data.expires_at is not None else None
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationFailed(
            "the expiry must be in the future",
            errors=[FieldError("expires_at", "must be in the future")],
        )
    plaintext, digest = new_token(ACCESS_TOKEN_PREFIX)
    token = AccessToken(
        user_id=principal.user_id,
        tenant_id=principal.tenant.tenant_id,
        name=data.name,
        prefix=plaintext[:ACCESS_TOKEN_VISIBLE],
        token_hash=digest,
        scopes=scopes,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    public = AccessTokenPublic.model_validate(token)
    return AccessTokenCreated(**public.model_dump(), token=plaintext)


def list_access_tokens(
    session: Session, principal: Principal, *, page: Page
) -> tuple[list[AccessToken], int]:
    """The caller's own tokens in the current tenant, newest first."""
    where = AccessToken.user_id == principal.user_id
    count = session.scalar(select(func.count()).select_from(AccessToken).where(where)) or 0
    rows = session.scalars(
        select(AccessToken)
        .where(where)
        .order_by(AccessToken.created_at.desc(), AccessToken.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return list(rows), count


def revoke_access_token(session: Session, principal: Principal, token_id: uuid.UUID) -> None:
    token = session.scalar(
        select(AccessToken).where(
            AccessToken.id == token_id, AccessToken.user_id == principal.user_id
        )
    )
    if token is None:
        raise AccessTokenNotFound(f"access token {token_id} does not exist")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()


def find_access_token(session: Session, plaintext: str) -> AccessToken | None:
    """The token with this plaintext, in any tenant (the caller lifts tenant filtering)."""
    return session.scalar(
        select(AccessToken).where(AccessToken.token_hash == hash_token(plaintext))
    )


# -- housekeeping ----------------------------------------------------------------------------

PURGE_AFTER = timedelta(days=7)  # kept a while after expiry for investigations


def purge_expired(session: Session) -> dict[str, int]:
    now = utcnow()
    window = timedelta(seconds=auth_settings(runtime_of(session)).login_window_seconds)
    refresh = session.execute(
        delete(RefreshToken).where(RefreshToken.expires_at < now - PURGE_AFTER)
    )
    resets = session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.expires_at < now - PURGE_AFTER)
    )
    failures = session.execute(delete(LoginFailure).where(LoginFailure.created_at < now - window))
    return {
        "refresh_tokens": refresh.rowcount or 0,
        "reset_tokens": resets.rowcount or 0,
        "login_failures": failures.rowcount or 0,
    }
