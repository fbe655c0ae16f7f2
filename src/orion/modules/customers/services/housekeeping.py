"""Purging what expired: sign-in sessions and reset tokens long past use."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import require_tenant
from orion.modules.customers.repository import ResetTokenRepository, SessionRepository

PURGE_AFTER = timedelta(days=7)  # kept a while after they end, for investigations


def purge_expired(session: Session) -> dict[str, int]:
    """For the session's tenant (the scheduled task runs once per tenant)."""
    require_tenant(session)
    before = utcnow() - PURGE_AFTER
    return {
        "sessions": SessionRepository(session).purge(before),
        "reset_tokens": ResetTokenRepository(session).purge(before),
    }
