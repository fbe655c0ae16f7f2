"""Customer tokens: JWTs of audience `orion:storefront` bound to a sign-in session.

A token names the customer (`sub`), its store (`store_id`) and its session (`sid`). The
`storefront_customers` provider below checks all three on every request: the signature and
audience (a staff token never passes, and staff routes refuse this audience), the store of
the route, and that the session is neither revoked nor expired and its customer active. So
signing out, a new password, deactivation and erasure end a token at once.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from orion.kernel.contract.points import CustomerRef, StoreInfo
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for, get_tenant
from orion.kernel.errors import OrionError
from orion.kernel.runtime import runtime_of
from orion.modules.customers.models import Customer, CustomerSession
from orion.modules.customers.repository import SessionRepository
from orion.modules.customers.schemas import CustomerPublic, CustomerToken
from orion.modules.customers.services.common import customers_settings

AUDIENCE = "orion:storefront"


def issue_token(session: Session, customer: Customer) -> CustomerToken:
    """Open a sign-in session for the customer and answer its bearer token."""
    lifetime = timedelta(days=customers_settings(session).session_days)
    row = SessionRepository(session).add(
        CustomerSession(
            tenant_id=customer.tenant_id,
            customer_id=customer.id,
            expires_at=utcnow() + lifetime,
        )
    )
    token = runtime_of(session).jwt.encode(
        {
            "sub": str(customer.id),
            "aud": AUDIENCE,
            "store_id": str(customer.store_id),
            "sid": str(row.id),
        },
        lifetime=lifetime,
    )
    return CustomerToken(
        access_token=token,
        expires_in=int(lifetime.total_seconds()),
        customer=CustomerPublic.model_validate(customer),
    )


def token_claims(session: Session, token: str) -> dict[str, str] | None:
    """The claims of a valid customer token (signature, audience, expiry), else None."""
    try:
        return runtime_of(session).jwt.decode(token, audience=AUDIENCE)
    except OrionError:
        return None


def authenticate_customer(session: Session, store: StoreInfo, token: str) -> CustomerRef | None:
    """The `storefront_customers` provider: the customer of `store` whose session this
    token names, or None (another store's token, a staff token, a session ended)."""
    claims = token_claims(session, token)
    if claims is None or claims.get("store_id") != str(store.id):
        return None
    customer_id, session_id = _uuid(claims.get("sub")), _uuid(claims.get("sid"))
    if customer_id is None or session_id is None:
        return None
    current = get_tenant(session)
    tenant = (
        current
        if current is not None and current.tenant_id == store.tenant_id
        else TenantContext(store.tenant_id)
    )
    with acting_for(session, tenant):
        customer = SessionRepository(session).active_with_customer(
            session_id, customer_id, utcnow()
        )
    if (
        customer is None
        or customer.store_id != store.id
        or not customer.is_active
        or customer.erased_at is not None
    ):
        return None
    return CustomerRef(
        id=customer.id,
        store_id=customer.store_id,
        email=customer.email,
        name=customer.name,
        session_id=session_id,
    )


def revoke_sessions(
    session: Session, customer_id: uuid.UUID, *, reason: str, keep: uuid.UUID | None = None
) -> int:
    """End every sign-in session of the customer (but `keep`, the one in use)."""
    where = [CustomerSession.customer_id == customer_id]
    if keep is not None:
        where.append(CustomerSession.id != keep)
    return SessionRepository(session).revoke(utcnow(), reason, *where)


def revoke_session(session: Session, session_id: uuid.UUID, *, reason: str) -> int:
    return SessionRepository(session).revoke(utcnow(), reason, CustomerSession.id == session_id)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
