"""API access tokens: for programs, bound to one user in one tenant, with scopes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from orion.kernel.contract.principal import Principal
from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.errors import FieldError, ValidationFailed
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.principals import revoke_after_commit
from orion.kernel.security import new_token
from orion.modules.auth.exceptions import AccessTokenNotFound, AccessTokensNeedAUser, InvalidScopes
from orion.modules.auth.models import AccessToken
from orion.modules.auth.repository import AccessTokenRepository
from orion.modules.auth.schemas import (
    AccessTokenCreate,
    AccessTokenCreated,
    AccessTokenPublic,
    AccessTokensPublic,
)

ACCESS_TOKEN_PREFIX = "orn"  # noqa: S105
ACCESS_TOKEN_VISIBLE = 8  # characters of an access token kept in clear to recognise it


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
    token = AccessTokenRepository(session).add(
        AccessToken(
            user_id=principal.user_id,
            tenant_id=principal.tenant.tenant_id,
            name=data.name,
            prefix=plaintext[:ACCESS_TOKEN_VISIBLE],
            token_hash=digest,
            scopes=scopes,
            expires_at=expires_at,
        )
    )
    public = AccessTokenPublic.model_validate(token)
    return AccessTokenCreated(**public.model_dump(), token=plaintext)


def list_access_tokens(
    session: Session, principal: Principal, *, page: Page
) -> tuple[list[AccessToken], int]:
    """The caller's own tokens in the current tenant, newest first."""
    tokens = AccessTokenRepository(session)
    return tokens.page(tokens.of_user(principal.user_id), page, AccessToken.created_at.desc())


def access_tokens_listing(
    session: Session, principal: Principal, *, page: Page
) -> AccessTokensPublic:
    """The list route's page of the caller's own tokens (`list_access_tokens`: ORM rows)."""
    tokens = AccessTokenRepository(session)
    return tokens.listing(
        AccessTokensPublic, tokens.of_user(principal.user_id), page, AccessToken.created_at.desc()
    )


def revoke_access_token(session: Session, principal: Principal, token_id: uuid.UUID) -> None:
    """Revoke one of the caller's own tokens (another member's is not found)."""
    tokens = AccessTokenRepository(session)
    token = tokens.first(tokens.of_user(principal.user_id).where(AccessToken.id == token_id))
    if token is None:
        raise AccessTokenNotFound(f"access token {token_id} does not exist")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        revoke_after_commit(session, users=[token.user_id])


def touch_access_token(session: Session, token_id: uuid.UUID, at: datetime) -> None:
    """Record that the token was used at `at` (the authenticator decides how often)."""
    with all_tenants(session):
        AccessTokenRepository(session).touch(token_id, at)


def find_access_token(session: Session, plaintext: str) -> AccessToken | None:
    """The token with this plaintext, in any tenant (the caller lifts tenant filtering)."""
    return AccessTokenRepository(session).by_plaintext(plaintext)
