"""Who wrote a message, by name: members and operators through auth's users service (the
name they have now; the name written with the message when the account is gone)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from orion.modules.auth import services as auth

USER_PREFIX = "user:"


def user_id_of(key: str) -> uuid.UUID | None:
    """The user of a participant key `user:<id>` (None: the customer, a token)."""
    if not key.startswith(USER_PREFIX):
        return None
    try:
        return uuid.UUID(key[len(USER_PREFIX) :])
    except ValueError:
        return None


def names_of(session: Session, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Each user's display name (full name, else email), in one query."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    return {
        user_id: user.full_name or user.email
        for user_id, user in auth.get_users(session, wanted).items()
    }


def name_of(session: Session, user_id: uuid.UUID | None, fallback: str) -> str:
    return names_of(session, [user_id]).get(user_id, fallback) if user_id else fallback  # type: ignore[arg-type]
