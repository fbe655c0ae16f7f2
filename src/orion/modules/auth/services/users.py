"""Accounts: creating, finding and changing users; self-service registration."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.contract.principal import Principal
from orion.kernel.data.paging import Page
from orion.kernel.errors import FieldError, NotFound, ValidationFailed
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.principals import revoke_after_commit
from orion.kernel.security import hash_password
from orion.modules.auth.events import UserRegistered
from orion.modules.auth.exceptions import (
    AccessTokensNeedAUser,
    EmailTaken,
    IncorrectPassword,
    InvalidEmail,
    LastSuperadmin,
    RegistrationClosed,
    WeakPassword,
)
from orion.modules.auth.models import User
from orion.modules.auth.repository import UserRepository
from orion.modules.auth.schemas import (
    UpdatePassword,
    UserRegister,
    UsersPublic,
    UserUpdate,
    UserUpdateMe,
    normalize_email,
)
from orion.modules.auth.services.passwords import check_password_strength, set_password, verify
from orion.modules.auth.services.sessions import revoke_sessions
from orion.modules.core import service as core

REGISTRATION_SETTING = "auth.registration_open"


def _email(value: str, *, field: str = "email") -> str:
    try:
        return normalize_email(value)
    except ValueError as exc:
        raise InvalidEmail(str(exc), field=field) from None


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
    users = UserRepository(session)
    if users.email_taken(email):
        raise EmailTaken(email)
    user = User(
        email=email,
        hashed_password=hash_password(password),
        full_name=full_name,
        is_superadmin=is_superadmin,
        is_active=is_active,
    )
    try:
        users.add(user)
    except IntegrityError:  # registered concurrently, between the check and the insert
        raise EmailTaken(email) from None
    publish(session, UserRegistered(user_id=user.id, email=user.email))
    return user


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return UserRepository(session).find(user_id)


def get_users(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Several users by id in one query (lists of members, of tenants)."""
    return UserRepository(session).by_ids(user_ids)


def require_user(session: Session, user_id: uuid.UUID) -> User:
    return UserRepository(session).get(user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    return UserRepository(session).by_email(email)


def authenticate_password(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (in constant-ish time)."""
    user = get_user_by_email(session, email)
    if not verify(user, password) or user is None or not user.is_active:
        return None
    return user


def registration_open(session: Session) -> bool:
    platform_id = runtime_of(session).directory.default_platform_id(session)
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
    users = UserRepository(session)
    return users.page(users.search(search), page, User.created_at)


def users_listing(session: Session, *, page: Page, search: str | None = None) -> UsersPublic:
    """The list route's page (`list_users` gives ORM rows)."""
    users = UserRepository(session)
    return users.listing(UsersPublic, users.search(search), page, User.created_at)


def update_user(session: Session, user_id: uuid.UUID, *, data: UserUpdate) -> User:
    """An operator changes an account. Deactivating it ends its sessions and tokens; the last
    active superadmin cannot be demoted or deactivated."""
    users = UserRepository(session)
    user = users.get(user_id)
    fields = data.model_fields_set
    losing_operator = (
        user.is_superadmin
        and user.is_active
        and (data.is_superadmin is False or data.is_active is False)
    )
    if losing_operator and users.other_active_superadmins(user.id) == 0:
        raise LastSuperadmin("the last active superadmin cannot be demoted or deactivated")
    if "full_name" in fields:
        user.full_name = data.full_name
    if data.is_superadmin is not None:
        user.is_superadmin = data.is_superadmin
    if data.is_active is not None:
        if user.is_active and not data.is_active:
            revoke_sessions(session, user.id, reason="deactivated")
        user.is_active = data.is_active
    if data.is_superadmin is not None or data.is_active is not None:
        revoke_after_commit(session, users=[user.id])  # what the user may do changed
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
    users = UserRepository(session)
    user = users.get(_require_user_session(principal))
    fields = data.model_fields_set
    if data.email is not None and data.email != user.email:
        if not data.current_password:
            raise ValidationFailed(
                "changing the email address needs the current password",
                errors=[FieldError("current_password", "required to change the email")],
            )
        if not verify(user, data.current_password):
            raise IncorrectPassword()
        if users.email_taken(data.email, other_than=user.id):
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
    if not verify(user, data.current_password):
        raise IncorrectPassword()
    if data.new_password == data.current_password:
        raise WeakPassword("choose a password different from the current one", field="new_password")
    set_password(user, data.new_password, field="new_password")
    revoke_sessions(session, user.id, reason="password_changed", keep_family=keep_session)
    session.flush()
