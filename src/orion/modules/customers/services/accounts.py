"""A store's customers: listing, reading, creating (staff, checkout), changing,
deactivating. The storefront's own account routes are in sessions.py."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.contract.points import CustomerRef
from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime.events import publish
from orion.modules.customers.events import CustomerCreated, CustomerDeactivated
from orion.modules.customers.exceptions import CustomerEmailTaken, CustomerNotFound
from orion.modules.customers.models import Customer
from orion.modules.customers.repository import AddressRepository, CustomerRepository
from orion.modules.customers.schemas import (
    AddressPublic,
    CustomerCreate,
    CustomerDetailPublic,
    CustomerPublic,
    CustomersPublic,
    CustomerUpdate,
    normalize_email,
)
from orion.modules.customers.services.common import not_erased
from orion.modules.customers.services.tokens import revoke_sessions

NEWEST_FIRST = Customer.created_at.desc()
_LISTED = {"has_password": Customer.hashed_password.is_not(None)}


def customers_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    page: Page,
    search: str | None = None,
    active: bool | None = None,
) -> CustomersPublic:
    """The store's customers, newest first, whose email or name contains `search`."""
    customers = CustomerRepository(session)
    with acting_for(session, tenant):
        return customers.listing(
            CustomersPublic,
            customers.filtered(store_id, search=search, active=active),
            page,
            NEWEST_FIRST,
            columns=_LISTED,
        )


def get_customer(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> Customer:
    with acting_for(session, tenant):
        return CustomerRepository(session).of_store(store_id, customer_id)


def customer_detail(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> CustomerDetailPublic:
    """The customer with its addresses (defaults first in each kind)."""
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id)
        return detail(customer, AddressRepository(session).of_customer(customer.id))


def detail(customer: Customer, addresses: list[Any]) -> CustomerDetailPublic:
    return CustomerDetailPublic.model_validate(
        {
            **CustomerPublic.model_validate(customer).model_dump(exclude={"name"}),
            "addresses": [AddressPublic.model_validate(a) for a in addresses],
        }
    )


def find_customer(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, email: str
) -> Customer | None:
    """The store's customer with this email (any case), or None."""
    with acting_for(session, tenant):
        return CustomerRepository(session).by_email(store_id, normalize_email(email))


def customer_ref(customer: Customer) -> CustomerRef:
    return CustomerRef(
        id=customer.id, store_id=customer.store_id, email=customer.email, name=customer.name
    )


def add_customer(session: Session, customer: Customer) -> Customer:
    """Insert, refusing an email the store's customers have (also when a concurrent
    request inserts it first: the unique index answers, in a savepoint)."""
    customers = CustomerRepository(session)
    if customers.by_email(customer.store_id, customer.email) is not None:
        raise CustomerEmailTaken(customer.email)
    try:
        with session.begin_nested():
            customers.add(customer)
    except IntegrityError:
        raise CustomerEmailTaken(customer.email) from None
    return customer


def create_customer(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    data: CustomerCreate,
    source: str = "staff",
) -> Customer:
    """A customer without a password (staff, a telephone order); 409 naming `email`
    when the store has one with this address."""
    with acting_for(session, tenant):
        customer = add_customer(
            session,
            Customer(
                tenant_id=tenant.tenant_id,
                store_id=store_id,
                email=data.email,
                first_name=data.first_name,
                last_name=data.last_name,
                phone=data.phone,
                marketing_consent=data.marketing_consent,
                marketing_consent_at=utcnow() if data.marketing_consent else None,
            ),
        )
        publish(session, CustomerCreated(customer_id=customer.id, store_id=store_id, source=source))
        return customer


def ensure_customer(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    email: str,
    first_name: str | None = None,
    last_name: str | None = None,
) -> Customer:
    """The store's customer with this email, created without a password when there is
    none (a guest checkout). One statement decides, so two checkouts at once make one."""
    address = normalize_email(email)
    with acting_for(session, tenant):
        customers = CustomerRepository(session)
        found = customers.by_email(store_id, address)
        if found is not None:
            return found
        now = utcnow()
        inserted = insert_or_ignore(
            session,
            Customer,
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant.tenant_id,
                "store_id": store_id,
                "email": address,
                "first_name": first_name,
                "last_name": last_name,
                "marketing_consent": False,
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            },
            unique=("store_id", "email"),
        )
        customer = customers.by_email(store_id, address)
        assert customer is not None
        if inserted:
            publish(
                session,
                CustomerCreated(customer_id=customer.id, store_id=store_id, source="checkout"),
            )
        return customer


def apply_changes(session: Session, customer: Customer, changes: dict[str, Any]) -> Customer:
    """Set the fields in `changes` (already validated), keeping the consent's date and the
    email's uniqueness."""
    not_erased(customer)
    if "marketing_consent" in changes:
        consent = bool(changes.pop("marketing_consent"))
        if consent and not customer.marketing_consent:
            customer.marketing_consent_at = utcnow()
        elif not consent:
            customer.marketing_consent_at = None
        customer.marketing_consent = consent
    email = changes.pop("email", None)
    if email is not None and email != customer.email:
        customers = CustomerRepository(session)
        if customers.by_email(customer.store_id, email) is not None:
            raise CustomerEmailTaken(email)
        customer.email = email
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise CustomerEmailTaken(email) from None
    for name, value in changes.items():
        setattr(customer, name, value)
    session.flush()
    return customer


def update_customer(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    customer_id: uuid.UUID,
    data: CustomerUpdate,
) -> Customer:
    """Change what `data` sends; `is_active: false` deactivates (its sessions end)."""
    changes = data.model_dump(exclude_unset=True)
    active = changes.pop("is_active", None)
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id, lock=True)
        apply_changes(session, customer, changes)
        if active is not None:
            set_active(session, customer, active)
        return customer


def set_active(session: Session, customer: Customer, active: bool) -> Customer:
    """Deactivating ends the customer's sessions and refuses its sign-ins; activating
    lets it sign in again."""
    not_erased(customer)
    if customer.is_active == active:
        return customer
    customer.is_active = active
    if not active:
        revoke_sessions(session, customer.id, reason="deactivated")
        publish(session, CustomerDeactivated(customer_id=customer.id, store_id=customer.store_id))
    session.flush()
    return customer


def deactivate_customer(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> Customer:
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id, lock=True)
        return set_active(session, customer, False)


def activate_customer(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> Customer:
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id, lock=True)
        return set_active(session, customer, True)


def count_customers(session: Session, tenant: TenantContext, *, store_id: uuid.UUID) -> int:
    with acting_for(session, tenant):
        return CustomerRepository(session).count_of_store(store_id)


def customer_of_store(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> CustomerRef | None:
    """The store's customer as the storefront sees one (None: unknown or erased)."""
    try:
        customer = get_customer(session, tenant, store_id=store_id, customer_id=customer_id)
    except CustomerNotFound:
        return None
    return None if customer.erased_at is not None else customer_ref(customer)
