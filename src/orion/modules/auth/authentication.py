"""The `authenticator` auth provides: `Authorization: Bearer <token>` -> Principal.

Two kinds of bearer token are accepted on every route:

* an access JWT from sign-in (`aud` "access"): the user, acting in the tenant named by the
  `X-Tenant-ID` header, else the token's `tid` claim, else the user's default membership;
  permissions come from that membership (the `memberships` extension point; without one,
  a user has no tenant). A superadmin may act in any tenant.
* an API access token (`orn_...`): its user, in its own tenant, with `scopes` limiting
  what the membership allows. It stops working when revoked, expired, when the user is
  deactivated or when the membership is gone.

Invalid credentials raise 401 (a request that presents a token means to use it); no
`Authorization` header means an anonymous caller (None).

Each verified credential is described to the kernel (`remember_credential`: its expiry, the
sign-in session it belongs to, how to record an access token's use), so the kernel answers
the next requests with it from its principal cache; the services that take rights away
revoke what it remembers (`revoke_after_commit`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from orion.kernel.contract.points import MEMBERSHIPS
from orion.kernel.contract.principal import Membership, Principal
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.errors import Unauthenticated
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.principals import Credential, remember_credential
from orion.kernel.web.dependencies import SESSION_COOKIE
from orion.kernel.web.dependencies import TENANT_COOKIE as CONSOLE_TENANT_COOKIE
from orion.modules.auth import services
from orion.modules.auth.exceptions import NotAMember
from orion.modules.auth.models import User

TENANT_HEADER = "x-tenant-id"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate(session: Session, connection: HTTPConnection) -> Principal | None:
    header = connection.headers.get("authorization")
    if not header:
        return _console_principal(session, connection)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("use `Authorization: Bearer <token>`", code="token_invalid")
    if token.startswith(f"{services.ACCESS_TOKEN_PREFIX}_"):
        principal = _access_token_principal(session, connection, token)
        named = connection.headers.get(TENANT_HEADER)
        assert principal.tenant is not None
        if named and _uuid(named) != principal.tenant.tenant_id:
            # A token acts in its own tenant only; never silently in another than asked.
            raise NotAMember("this access token belongs to another tenant", tenant_id=named)
        return principal
    return _jwt_principal(session, connection, token)


def _console_principal(session: Session, connection: HTTPConnection) -> Principal | None:
    """The console's session cookie, on console pages only: a cookie is sent by the browser
    on its own, so the API never accepts one (no CSRF on the API). A cookie that is no longer
    valid makes an anonymous caller, whom the console sends to its sign-in page."""
    cookie = connection.cookies.get(SESSION_COOKIE)
    if not cookie or not connection.url.path.startswith("/console"):
        return None
    try:
        claims = runtime_of(session).jwt.decode(cookie, audience="console")
        user_id, family = _uuid(claims.get("sub")), _uuid(claims.get("sid"))
        found, session_on = (
            services.user_and_session(session, user_id, family) if user_id else (None, False)
        )
        user = _usable(found)
    except Unauthenticated:
        return None
    if family is None or not session_on:
        return None
    # The console's top bar says who is signed in.
    connection.state.user_email = user.email
    remember_credential(
        connection, Credential(expires_at=_expiry(claims), state={"user_email": user.email})
    )
    named = _uuid(connection.cookies.get(CONSOLE_TENANT_COOKIE))
    if named is not None:
        membership = _membership(session, user.id, named)
        if membership is not None:
            return _user_principal(user, membership)
    return _user_principal(user, _membership(session, user.id, None))


def _active_user(session: Session, user_id: uuid.UUID | None) -> User:
    return _usable(services.get_user(session, user_id) if user_id is not None else None)


def _usable(user: User | None) -> User:
    if user is None:
        raise Unauthenticated("the token's user no longer exists", code="token_invalid")
    if not user.is_active:
        raise Unauthenticated("this account is disabled", code="account_disabled")
    return user


def _membership(
    session: Session, user_id: uuid.UUID, tenant_id: uuid.UUID | None
) -> Membership | None:
    resolver = runtime_of(session).registry.provider(MEMBERSHIPS)
    if resolver is None:
        return None
    with all_tenants(session):
        return resolver.membership(session, user_id, tenant_id)


def _expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(claims["exp"]), tz=UTC)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _jwt_principal(session: Session, connection: HTTPConnection, token: str) -> Principal:
    claims = runtime_of(session).jwt.decode(token, audience="access")
    user_id, family = _uuid(claims.get("sub")), _uuid(claims.get("sid"))
    if family is None:
        # Every access JWT Orion issues belongs to a sign-in session (`sid`), which signing
        # out or a password reset ends; one without could not be ended: not accepted.
        raise Unauthenticated("the token belongs to no sign-in session", code="token_invalid")
    found, session_on = (
        services.user_and_session(session, user_id, family) if user_id else (None, False)
    )
    user = _usable(found)
    if not session_on:
        raise Unauthenticated(
            "this sign-in session has ended; sign in again", code="session_revoked"
        )
    connection.state.auth_session_id = family
    remember_credential(
        connection,
        Credential(expires_at=_expiry(claims), state={"auth_session_id": family}),
    )
    raw_header = connection.headers.get(TENANT_HEADER)
    if raw_header:
        tenant_id = _uuid(raw_header)
        if tenant_id is None:
            raise Unauthenticated(f"{TENANT_HEADER} must be a tenant id", code="tenant_invalid")
        return _in_tenant(session, user, tenant_id)
    membership = None
    claimed_tenant = _uuid(claims.get("tid"))
    if claimed_tenant is not None:
        membership = _membership(session, user.id, claimed_tenant)
    if membership is None:
        membership = _membership(session, user.id, None)
    return _user_principal(user, membership)


def _in_tenant(session: Session, user: User, tenant_id: uuid.UUID) -> Principal:
    membership = _membership(session, user.id, tenant_id)
    if membership is not None:
        return _user_principal(user, membership)
    if user.is_superadmin:
        tenant = runtime_of(session).tenant_context(session, tenant_id)
        return Principal(
            subject=f"user:{user.id}", user_id=user.id, tenant=tenant, is_superadmin=True
        )
    raise NotAMember("you are not a member of this tenant", tenant_id=str(tenant_id))


def _user_principal(user: User, membership: Membership | None) -> Principal:
    if membership is None:
        return Principal(
            subject=f"user:{user.id}", user_id=user.id, is_superadmin=user.is_superadmin
        )
    return Principal(
        subject=f"user:{user.id}",
        user_id=user.id,
        tenant=membership.tenant,
        permissions=membership.permissions,
        is_superadmin=user.is_superadmin,
        store_ids=membership.store_ids,
        role=membership.role,
    )


def _access_token_principal(
    session: Session, connection: HTTPConnection, plaintext: str
) -> Principal:
    with all_tenants(session):
        token = services.find_access_token(session, plaintext)
        if token is None:
            raise Unauthenticated("the access token is not valid", code="token_invalid")
        now = utcnow()
        if token.revoked_at is not None:
            raise Unauthenticated("the access token was revoked", code="token_revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise Unauthenticated("the access token has expired", code="token_expired")
        user = _active_user(session, token.user_id)
        membership = _membership(session, user.id, token.tenant_id)
        if membership is not None:
            tenant, permissions = membership.tenant, membership.permissions
            role, store_ids = membership.role, membership.store_ids
        elif user.is_superadmin and runtime_of(session).registry.provider(MEMBERSHIPS):
            # An operator acting in a tenant: the token's scopes are all it may do.
            tenant = runtime_of(session).tenant_context(session, token.tenant_id)
            permissions = frozenset(token.scopes)
            role, store_ids = None, None
        else:
            raise Unauthenticated(
                "the access token's user is no longer a member of its tenant",
                code="token_invalid",
            )
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            token.last_used_at = now
            session.flush()
        token_id = token.id
        remember_credential(
            connection,
            Credential(
                expires_at=token.expires_at,
                # Answered from the cache, the token's use is still recorded once a minute.
                touch=lambda session, at: services.touch_access_token(session, token_id, at),
                touched_at=token.last_used_at,
                touch_seconds=LAST_USED_RESOLUTION.total_seconds(),
            ),
        )
        return Principal(
            subject=f"token:{token.id}",
            user_id=user.id,
            tenant=tenant,
            permissions=permissions,
            is_superadmin=False,  # a program's token never carries platform powers
            store_ids=store_ids,
            role=role,
            scopes=frozenset(token.scopes),
        )
