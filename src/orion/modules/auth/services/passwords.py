"""Password rules and checks: strength, hashing, verification in constant-ish time."""

from __future__ import annotations

from orion.kernel.security import hash_password, password_weakness, verify_password
from orion.modules.auth.exceptions import WeakPassword
from orion.modules.auth.models import User


def check_password_strength(password: str, *, email: str | None, field: str = "password") -> None:
    """Raise WeakPassword (422 naming `field`) for a password too easy to guess."""
    reason = password_weakness(password, email=email)
    if reason is not None:
        raise WeakPassword(reason, field=field)


def verify(user: User | None, password: str) -> bool:
    """Check a password; with no user, spend the same time so timing reveals nothing."""
    matches, new_hash = verify_password(password, user.hashed_password if user else None)
    if user is None:
        return False
    if matches and new_hash:
        user.hashed_password = new_hash  # stored with outdated parameters: upgrade it
    return matches


def set_password(user: User, password: str, *, field: str) -> None:
    check_password_strength(password, email=user.email, field=field)
    user.hashed_password = hash_password(password)
