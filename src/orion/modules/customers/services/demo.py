"""`orion demo`: a few customers in each demo store, two of them with a storefront
password (DEMO_PASSWORD, printed in docs/customers.md) and addresses, one without (as a
guest checkout leaves one). Their emails are those of the orders' demo data, so the
console's customer page finds their orders. A customer the store has already is left
alone: running it twice adds nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.security import hash_password
from orion.modules.customers.models import Customer
from orion.modules.customers.repository import CustomerRepository
from orion.modules.customers.schemas import AddressCreate, AddressKind
from orion.modules.customers.services.accounts import add_customer
from orion.modules.customers.services.addresses import add_address
from orion.modules.tenancy import services as tenancy

DEMO_PASSWORD = "customer-demo-1"  # noqa: S105 - documented demo credentials

# (email, first name, last name, phone, with a password, marketing consent, addresses)
CUSTOMERS: tuple[tuple[Any, ...], ...] = (
    (
        "anna@example.com",
        "Anna",
        "Muller",
        "+352 621 000 001",
        True,
        True,
        (
            ("shipping", "12 rue de la Gare", "1611", "Luxembourg"),
            ("billing", "3 avenue de la Liberté", "1930", "Luxembourg"),
        ),
    ),
    (
        "luc@example.com",
        "Luc",
        "Weber",
        None,
        True,
        False,
        (("shipping", "8 rue du Marché", "4001", "Esch-sur-Alzette"),),
    ),
    ("marie@example.com", "Marie", "Schmit", None, False, False, ()),
)


def seed_demo(session: Session, runtime: Any) -> None:
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    hashed = hash_password(DEMO_PASSWORD)
    for tenant in tenants:
        for store in tenancy.stores.stores(session, tenant):
            _seed_store(session, tenant, store.id, hashed)


def _seed_store(session: Session, tenant: TenantContext, store_id: Any, hashed: str) -> None:
    with acting_for(session, tenant):
        customers = CustomerRepository(session)
        for email, first, last, phone, with_password, consent, addresses in CUSTOMERS:
            if customers.by_email(store_id, email) is not None:
                continue
            customer = add_customer(
                session,
                Customer(
                    tenant_id=tenant.tenant_id,
                    store_id=store_id,
                    email=email,
                    first_name=first,
                    last_name=last,
                    phone=phone,
                    hashed_password=hashed if with_password else None,
                    marketing_consent=consent,
                ),
            )
            for kind, line1, postal_code, city in addresses:
                add_address(
                    session,
                    tenant,
                    store_id=store_id,
                    customer_id=customer.id,
                    data=AddressCreate(
                        kind=AddressKind(kind),
                        name=f"{first} {last}",
                        line1=line1,
                        postal_code=postal_code,
                        city=city,
                        country="LU",
                    ),
                )
