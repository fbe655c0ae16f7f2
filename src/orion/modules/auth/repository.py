"""Queries on the auth tables: users, refresh token families, reset tokens, API access
tokens. Bulk updates do not synchronise the session: the rows they change are not read
again in the same unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update

from orion.kernel.data.repository import RepositoryBase
from orion.kernel.security import hash_token
from orion.modules.auth.exceptions import AccessTokenNotFound, UserNotFound
from orion.modules.auth.models import (
    AccessToken,
    LoginFailure,
    PasswordResetToken,
    RefreshToken,
    User,
)

UNSYNCED = {"synchronize_session": False}


class UserRepository(RepositoryBase[User]):
    model = User
    not_found = UserNotFound

    def by_email(self, email: str) -> User | None:
        return self.first(self.select().where(User.email == email.strip().lower()))

    def email_taken(self, email: str, *, other_than: uuid.UUID | None = None) -> bool:
        query = select(User.id).where(User.email == email)
        if other_than is not None:
            query = query.where(User.id != other_than)
        return self.session.scalar(query.limit(1)) is not None

    def by_ids(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
        wanted = set(user_ids)
        if not wanted:
            return {}
        return {user.id: user for user in self.list(self.select().where(User.id.in_(wanted)))}

    def search(self, term: str | None) -> Select[Any]:
        """Users whose email or name contains `term` (matched literally: "%" and "_" too)."""
        query = self.select()
        if term:
            term = term.strip().lower()
            query = query.where(
                or_(
                    User.email.contains(term, autoescape=True),
                    func.lower(User.full_name).contains(term, autoescape=True),
                )
            )
        return query

    def other_active_superadmins(self, user_id: uuid.UUID) -> int:
        query = (
            select(func.count())
            .select_from(User)
            .where(User.is_superadmin.is_(True), User.is_active.is_(True), User.id != user_id)
        )
        return self.session.scalar(query) or 0

    def with_session_state(
        self, user_id: uuid.UUID, family_id: uuid.UUID
    ) -> tuple[User | None, bool]:
        """The user and whether the refresh family is still on, in one query."""
        active = (
            select(RefreshToken.id)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .exists()
        )
        row = self.session.execute(select(User, active).where(User.id == user_id)).first()
        return (row[0], bool(row[1])) if row else (None, False)


class RefreshTokenRepository(RepositoryBase[RefreshToken]):
    model = RefreshToken

    def by_plaintext(self, plaintext: str) -> RefreshToken | None:
        return self.first(self.select().where(RefreshToken.token_hash == hash_token(plaintext)))

    def claim(self, row: RefreshToken, now: datetime) -> bool:
        """Mark the token used unless it is used or revoked already (a concurrent refresh)."""
        claimed = self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == row.id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(**UNSYNCED)
        )
        return claimed.rowcount == 1

    def revoke(self, now: datetime, reason: str, *where: Any) -> None:
        """Revoke the tokens still on that match `where`."""
        self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.revoked_at.is_(None), *where)
            .values(revoked_at=now, revoked_reason=reason)
            .execution_options(**UNSYNCED)
        )

    def family_active(self, family_id: uuid.UUID) -> bool:
        query = select(RefreshToken.id).where(
            RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None)
        )
        return self.session.scalar(query.limit(1)) is not None

    def purge(self, expired_before: datetime) -> int:
        deleted = self.session.execute(
            delete(RefreshToken).where(RefreshToken.expires_at < expired_before)
        )
        return deleted.rowcount or 0


class PasswordResetTokenRepository(RepositoryBase[PasswordResetToken]):
    model = PasswordResetToken

    def by_plaintext(self, plaintext: str) -> PasswordResetToken | None:
        return self.first(
            self.select().where(PasswordResetToken.token_hash == hash_token(plaintext))
        )

    def issued_since(self, user_id: uuid.UUID, since: datetime) -> int:
        query = (
            select(func.count())
            .select_from(PasswordResetToken)
            .where(PasswordResetToken.user_id == user_id, PasswordResetToken.created_at > since)
        )
        return self.session.scalar(query) or 0

    def expire_outstanding(self, user_id: uuid.UUID, now: datetime) -> None:
        self.session.execute(
            update(PasswordResetToken)
            .where(
                PasswordResetToken.user_id == user_id,
                PasswordResetToken.used_at.is_(None),
                PasswordResetToken.expires_at > now,
            )
            .values(expires_at=now)
            .execution_options(**UNSYNCED)
        )

    def claim(self, row: PasswordResetToken, now: datetime) -> bool:
        """Mark the token used unless a concurrent reset used it first."""
        claimed = self.session.execute(
            update(PasswordResetToken)
            .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(**UNSYNCED)
        )
        return claimed.rowcount == 1

    def purge(self, expired_before: datetime) -> int:
        deleted = self.session.execute(
            delete(PasswordResetToken).where(PasswordResetToken.expires_at < expired_before)
        )
        return deleted.rowcount or 0


class AccessTokenRepository(RepositoryBase[AccessToken]):
    """API access tokens: tenant-owned, so the kernel keeps them to the acting tenant."""

    model = AccessToken
    not_found = AccessTokenNotFound

    def of_user(self, user_id: uuid.UUID | None) -> Select[Any]:
        return self.select().where(AccessToken.user_id == user_id)

    def by_plaintext(self, plaintext: str) -> AccessToken | None:
        return self.first(self.select().where(AccessToken.token_hash == hash_token(plaintext)))

    def touch(self, token_id: uuid.UUID, at: datetime) -> None:
        """Record a use without loading the row (a request answered from the cache)."""
        self.session.execute(
            update(AccessToken)
            .where(AccessToken.id == token_id)
            .values(last_used_at=at)
            .execution_options(**UNSYNCED)
        )


class LoginFailureRepository(RepositoryBase[LoginFailure]):
    """Failed sign-ins; the throttle's database store counts them (throttle.py)."""

    model = LoginFailure

    def purge(self, before: datetime) -> int:
        deleted = self.session.execute(delete(LoginFailure).where(LoginFailure.created_at < before))
        return deleted.rowcount or 0
