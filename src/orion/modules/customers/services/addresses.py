"""A customer's addresses: billing and shipping, at most one default of each kind.

Changes to one customer's addresses take its row lock first, so two requests making
different addresses the default run one after the other; the partial unique index
(one `is_default` row per customer and kind) is the database's own guarantee behind it.
The first address of a kind becomes its default; deleting the default promotes the newest
other address of that kind.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.customers.models import Customer, CustomerAddress
from orion.modules.customers.repository import AddressRepository, CustomerRepository
from orion.modules.customers.schemas import AddressCreate, AddressUpdate
from orion.modules.customers.services.common import not_erased


def _locked_customer(session: Session, store_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    return not_erased(CustomerRepository(session).of_store(store_id, customer_id, lock=True))


def list_addresses(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, customer_id: uuid.UUID
) -> list[CustomerAddress]:
    """The customer's addresses: billing then shipping, each kind's default first."""
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id)
        return AddressRepository(session).of_customer(customer.id)


def get_address(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
) -> CustomerAddress:
    with acting_for(session, tenant):
        customer = CustomerRepository(session).of_store(store_id, customer_id)
        return AddressRepository(session).one_of(customer.id, address_id)


def add_address(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    customer_id: uuid.UUID,
    data: AddressCreate,
) -> CustomerAddress:
    with acting_for(session, tenant):
        customer = _locked_customer(session, store_id, customer_id)
        addresses = AddressRepository(session)
        kind = data.kind.value
        default = data.is_default or not addresses.has_default(customer.id, kind)
        if default:
            addresses.clear_default(customer.id, kind)
        return addresses.add(
            CustomerAddress(
                tenant_id=tenant.tenant_id,
                customer_id=customer.id,
                **data.model_dump(exclude={"kind", "is_default", "country"}),
                kind=kind,
                country=data.country.upper(),
                is_default=default,
            )
        )


def update_address(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
    data: AddressUpdate,
) -> CustomerAddress:
    """Change what `data` sends. `is_default: true` makes it its kind's default; moving
    the default to another kind hands the old kind's default to its newest address."""
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "line1", "postal_code", "city", "country", "kind"):
        if required in changes and changes[required] is None:
            del changes[required]  # null for a required field means no change
    with acting_for(session, tenant):
        customer = _locked_customer(session, store_id, customer_id)
        addresses = AddressRepository(session)
        address = addresses.one_of(customer.id, address_id)
        old_kind, was_default = address.kind, address.is_default
        make_default = changes.pop("is_default", None)
        kind = changes.pop("kind", None)
        if "country" in changes:
            changes["country"] = changes["country"].upper()
        for name, value in changes.items():
            setattr(address, name, value)
        if kind is not None and kind.value != old_kind:
            address.is_default = False
            session.flush()
            address.kind = kind.value
            if was_default:
                _promote(session, customer.id, old_kind)
            if make_default is None and not addresses.has_default(customer.id, kind.value):
                make_default = True
        if make_default is True and not address.is_default:
            addresses.clear_default(customer.id, address.kind)
            session.flush()
            address.is_default = True
        elif make_default is False and address.is_default:
            address.is_default = False
            session.flush()
            _promote(session, customer.id, address.kind, besides=address.id)
        session.flush()
        return address


def delete_address(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
) -> None:
    with acting_for(session, tenant):
        customer = _locked_customer(session, store_id, customer_id)
        addresses = AddressRepository(session)
        address = addresses.one_of(customer.id, address_id)
        kind, was_default = address.kind, address.is_default
        addresses.delete(address)
        if was_default:
            _promote(session, customer.id, kind)


def _promote(
    session: Session, customer_id: uuid.UUID, kind: str, *, besides: uuid.UUID | None = None
) -> None:
    """Make the newest address of `kind` (but `besides`) its default, if there is one."""
    addresses = AddressRepository(session)
    if addresses.has_default(customer_id, kind):
        return
    newest = next(
        (
            a
            for a in sorted(
                (a for a in addresses.of_customer(customer_id) if a.kind == kind),
                key=lambda a: (a.created_at, a.id),
                reverse=True,
            )
            if a.id != besides
        ),
        None,
    )
    if newest is not None:
        newest.is_default = True
        session.flush()
