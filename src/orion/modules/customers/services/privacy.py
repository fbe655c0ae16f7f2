"""A customer's data on request: its export (JSON) and its erasure.

Both ask every module providing the `customer_data` point (orders: the customer's orders)
for its part, whether or not the module is still on for the tenant: data recorded while it
was on is the customer's all the same. Erasure runs in one transaction, so a provider that
fails leaves nothing erased; it keeps the customer's row (orders point at it) with a
placeholder address and no personal field, and is safe to repeat.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.contract.points import CUSTOMER_DATA
from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.modules.customers.events import CustomerErased
from orion.modules.customers.models import Customer
from orion.modules.customers.repository import (
    AddressRepository,
    CustomerRepository,
    ResetTokenRepository,
    SessionRepository,
)
from orion.modules.customers.schemas import AddressPublic, CustomerExport, CustomerPublic
from orion.modules.customers.services.tokens import revoke_sessions

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a deliverable address


def erased_email(customer_id: uuid.UUID) -> str:
    return f"erased-{customer_id.hex}@{ERASED_DOMAIN}"


def export_customer(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> CustomerExport:
    """Everything held of the customer: account, addresses, sign-in sessions (when, not
    secrets) and each provider's section under its module's code."""
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id)
        addresses = AddressRepository(session).of_customer(customer.id)
        sessions = SessionRepository(session).of_customer(customer.id)
        sections: dict[str, Any] = {}
        for code, provider in runtime_of(session).registry.all_providers(CUSTOMER_DATA):
            sections[code] = provider.export(session, tenant, customer.id)
        return CustomerExport(
            exported_at=utcnow(),
            store_id=store_id,
            customer=CustomerPublic.model_validate(customer),
            addresses=[AddressPublic.model_validate(a) for a in addresses],
            sessions=[
                {
                    "created_at": row.created_at.isoformat(),
                    "expires_at": row.expires_at.isoformat(),
                    "ended_at": row.revoked_at.isoformat() if row.revoked_at else None,
                    "ended_because": row.revoke_reason,
                }
                for row in sessions
            ],
            sections=sections,
        )


def erase_customer(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> Customer:
    """Anonymise the customer: a unique placeholder email, names, phone, addresses and
    password gone, sessions and reset tokens ended, consent withdrawn; then every
    provider's `erase`, and `customers.customer_erased`. Erasing again changes nothing
    more (the providers are asked again: theirs is idempotent too)."""
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id, lock=True)
        first_time = customer.erased_at is None
        if first_time:
            customer.email = erased_email(customer.id)
            customer.first_name = customer.last_name = customer.phone = None
            customer.hashed_password = None
            customer.marketing_consent = False
            customer.marketing_consent_at = None
            customer.is_active = False
            customer.erased_at = utcnow()
        AddressRepository(session).delete_of_customer(customer.id)
        ResetTokenRepository(session).delete_of_customer(customer.id)
        revoke_sessions(session, customer.id, reason="erased")
        session.flush()
        for _code, provider in runtime_of(session).registry.all_providers(CUSTOMER_DATA):
            provider.erase(session, tenant, customer.id)
        if first_time:
            publish(session, CustomerErased(customer_id=customer.id, store_id=store_id))
        session.flush()
        return customer
