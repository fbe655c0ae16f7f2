"""Password rules and checks: strength, hashing, verification in constant-ish time."""

from __future__ import annotations

from functools import cache

from orion.kernel.security import hash_password, verify_password
from orion.modules.auth.exceptions import WeakPassword
from orion.modules.auth.models import User

PASSWORD_MIN_LENGTH = 10


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


def verify(user: User | None, password: str) -> bool:
    """Check a password; with no user, spend the same time so timing reveals nothing."""
    if user is None:
        verify_password(password, _dummy_hash())
        return False
    matches, new_hash = verify_password(password, user.hashed_password)
    if matches and new_hash:
        user.hashed_password = new_hash  # stored with outdated parameters: upgrade it
    return matches


def set_password(user: User, password: str, *, field: str) -> None:
    check_password_strength(password, email=user.email, field=field)
    user.hashed_password = hash_password(password)
