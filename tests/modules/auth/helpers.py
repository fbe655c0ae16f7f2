"""Small helpers for the auth tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from orion.kernel.runtime import Runtime
from orion.kernel.runtime.models import OutboxEvent
from orion.modules.auth.models import AccessToken, RefreshToken, User
from tests.helpers import platform_session

LOGIN = "/api/v1/public/auth/login"
REFRESH = "/api/v1/public/auth/refresh"
LOGOUT = "/api/v1/public/auth/logout"
REGISTER = "/api/v1/public/auth/register"
RESET = "/api/v1/public/auth/password-reset"
RESET_CONFIRM = "/api/v1/public/auth/password-reset/confirm"
ME = "/api/v1/auth/me"
TOKENS = "/api/v1/auth/tokens"
USERS = "/api/v1/admin/auth/users"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fields(response: Any) -> set[str]:
    """The fields a problem+json answer names."""
    return {error["field"] for error in response.json().get("errors", [])}


def reset_events(runtime: Runtime, email: str) -> list[dict[str, Any]]:
    """The payloads of auth.password_reset_requested for `email`, oldest first, as stored in
    the outbox for the email module to deliver."""
    with platform_session(runtime) as session:
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.name == "auth.password_reset_requested")
            .order_by(OutboxEvent.created_at)
        ).all()
        return [row.payload for row in rows if row.payload["email"] == email]


def stored_user(runtime: Runtime, email: str) -> User:
    with platform_session(runtime) as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user


def refresh_rows(runtime: Runtime, user_id: Any) -> list[RefreshToken]:
    with platform_session(runtime) as session:
        return list(
            session.scalars(
                select(RefreshToken)
                .where(RefreshToken.user_id == user_id)
                .order_by(RefreshToken.created_at)
            )
        )


def access_token_row(runtime: Runtime, token_id: Any) -> AccessToken:
    with platform_session(runtime) as session:
        row = session.get(AccessToken, uuid.UUID(str(token_id)))
        assert row is not None
        return row
