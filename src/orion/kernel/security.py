"""The kernel's cryptography (who is calling is `orion.kernel.contract.principal`).

* Password hashing (Argon2 through pwdlib), JWTs (PyJWT, HS256 with the secret key),
  random tokens stored only as hashes, and secret encryption with rotatable Fernet keys.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import jwt
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from orion.kernel.errors import Unauthenticated
from orion.settings import OrionSettings

# -- passwords -------------------------------------------------------------------------------

_passwords = PasswordHash((Argon2Hasher(),))
PASSWORD_MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _passwords.hash(password)


@functools.cache
def _nobodys_hash() -> str:
    return hash_password("orion-timing-equaliser-password")


def verify_password(password: str, hashed: str | None) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one uses outdated parameters). With no stored
    hash (no such account, or one without a password) it spends the time a real check
    takes, so the answer's timing does not tell which accounts exist."""
    if hashed is None:
        _passwords.verify_and_update(password, _nobodys_hash())
        return False, None
    return _passwords.verify_and_update(password, hashed)


def password_weakness(password: str, *, email: str | None) -> str | None:
    """Why a new password is too easy to guess (a sentence for a person), or None. The one
    rule set of staff and customers' passwords."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"use at least {PASSWORD_MIN_LENGTH} characters"
    if password.isalpha():
        return "use digits or symbols as well as letters"
    if password.isdigit():
        return "use letters as well as digits"
    if email and password.strip().lower() == email.strip().lower():
        return "the password must not be the email address"
    return None


# -- opaque tokens ------------------------------------------------------------------------------


def new_token(prefix: str, *, nbytes: int = 32) -> tuple[str, str]:
    """A random token shown once (`<prefix>_<random>`) and the hash to store."""
    token = f"{prefix}_{secrets.token_urlsafe(nbytes)}"
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # Tokens are long random strings: a fast hash is enough, and lets lookups use an index.
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left, right)


# -- JWT ---------------------------------------------------------------------------------------


class Jwt:
    algorithm = "HS256"

    def __init__(self, settings: OrionSettings) -> None:
        self._key = settings.secret_key.get_secret_value()

    def encode(self, claims: dict[str, Any], *, lifetime: timedelta) -> str:
        now = datetime.now(UTC)
        payload = {"iat": now, "exp": now + lifetime, "jti": uuid.uuid4().hex, **claims}
        return jwt.encode(payload, self._key, algorithm=self.algorithm)

    def decode(self, token: str, *, audience: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self._key,
                algorithms=[self.algorithm],
                audience=audience,
                options={"require": ["exp", "iat", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired", code="token_expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("the token is not valid", code="token_invalid") from None


# -- secrets at rest -----------------------------------------------------------------------------


class SecretDecryptionError(Exception):
    """No configured key opens this secret (the key that sealed it was removed)."""


class SecretBox:
    """Encrypt secrets stored in the database; the newest key seals, every key opens."""

    def __init__(self, settings: OrionSettings) -> None:
        self._settings = settings

    @cached_property
    def _fernet(self) -> MultiFernet:
        keys = [key.get_secret_value() for key in self._settings.encryption_keys]
        if not keys:
            digest = hashlib.sha256(
                b"orion-secret-box:" + self._settings.secret_key.get_secret_value().encode()
            ).digest()
            keys = [base64.urlsafe_b64encode(digest).decode()]
        return MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError("no configured encryption key opens this secret") from None

    def rotate(self, ciphertext: str) -> str:
        """Re-seal with the newest key (for `orion keys rotate`)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError("no configured encryption key opens this secret") from None


def mask(secret: str, *, visible: int = 4) -> str:
    """`sk-...abcd`: enough to recognise a secret, never enough to use it."""
    if len(secret) <= visible:
        return "*" * len(secret)
    return f"{'*' * 4}{secret[-visible:]}"


def expires_in(days: int = 0, *, hours: int = 0, minutes: int = 0) -> datetime:
    return datetime.now(UTC) + timedelta(days=days, hours=hours, minutes=minutes)
