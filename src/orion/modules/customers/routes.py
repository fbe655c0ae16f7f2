"""Customers staff routes, per store: `/stores/{store_id}/customers/...`.

`api` is one router with two audiences (kernel.web.mounting): the tenant's members at
/api/v1/customers/..., platform operators acting for a tenant at
/api/v1/admin/customers/tenants/{tenant_id}/... `CurrentStore` checks the store is the
tenant's and reachable by the member (404 `store_not_found`). A customer's token is of
another audience and opens none of these routes (401).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from orion.kernel.web.dependencies import (
    CurrentStore,
    CurrentTenant,
    PageDep,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.customers import services
from orion.modules.customers.dependencies import CanManage, CanRead, Search
from orion.modules.customers.schemas import (
    AddressCreate,
    AddressesPublic,
    AddressPublic,
    AddressUpdate,
    CustomerCreate,
    CustomerDetailPublic,
    CustomerExport,
    CustomerPublic,
    CustomersPublic,
    CustomerUpdate,
)

api = APIRouter()

CUSTOMERS = "/stores/{store_id}/customers"
CUSTOMER = CUSTOMERS + "/{customer_id}"
ADDRESSES = CUSTOMER + "/addresses"
ADDRESS = ADDRESSES + "/{address_id}"
NOT_FOUND = problem_responses(404)
CHANGE = problem_responses(404, 409, 422)


@api.get(CUSTOMERS, response_model=CustomersPublic, responses=NOT_FOUND)
def list_customers(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page: PageDep,
    search: Search,
) -> ListingResponse:
    """The store's customers, newest first; `search` finds a part of the email or name."""
    return ListingResponse(
        services.customers_listing(
            session,
            tenant,
            store_id=store.id,
            page=page,
            search=search["search"],  # type: ignore[arg-type]
            active=search["active"],  # type: ignore[arg-type]
        )
    )


@api.post(
    CUSTOMERS,
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerPublic,
    responses=CHANGE,
)
def create_customer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    body: CustomerCreate,
) -> CustomerPublic:
    """A customer without a password (it sets one through a password reset); 409 naming
    `email` when the store has a customer with that address, in whatever case."""
    customer = services.create_customer(session, tenant, store_id=store.id, data=body)
    return CustomerPublic.model_validate(customer)


@api.get(CUSTOMER, response_model=CustomerDetailPublic, responses=NOT_FOUND)
def get_customer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    customer_id: uuid.UUID,
) -> CustomerDetailPublic:
    return services.customer_detail(session, tenant, store_id=store.id, customer_id=customer_id)


@api.patch(CUSTOMER, response_model=CustomerPublic, responses=CHANGE)
def update_customer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
    body: CustomerUpdate,
) -> CustomerPublic:
    """Change the fields sent; `is_active: false` deactivates (its sessions end)."""
    customer = services.update_customer(
        session, tenant, store_id=store.id, customer_id=customer_id, data=body
    )
    return CustomerPublic.model_validate(customer)


@api.post(CUSTOMER + "/deactivate", response_model=CustomerPublic, responses=CHANGE)
def deactivate_customer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
) -> CustomerPublic:
    """The customer can no longer sign in; its signed-in sessions end at once."""
    customer = services.deactivate_customer(
        session, tenant, store_id=store.id, customer_id=customer_id
    )
    return CustomerPublic.model_validate(customer)


@api.post(CUSTOMER + "/activate", response_model=CustomerPublic, responses=CHANGE)
def activate_customer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
) -> CustomerPublic:
    customer = services.activate_customer(
        session, tenant, store_id=store.id, customer_id=customer_id
    )
    return CustomerPublic.model_validate(customer)


@api.get(CUSTOMER + "/export", response_model=CustomerExport, responses=NOT_FOUND)
def export_customer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
) -> CustomerExport:
    """Everything held of the customer (for a data access request), as JSON."""
    return services.export_customer(session, tenant, store_id=store.id, customer_id=customer_id)


@api.post(CUSTOMER + "/erase", response_model=CustomerPublic, responses=NOT_FOUND)
def erase_customer(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
) -> CustomerPublic:
    """Anonymise the customer on request (its orders keep their totals, anonymised)."""
    customer = services.erase_customer(session, tenant, store_id=store.id, customer_id=customer_id)
    return CustomerPublic.model_validate(customer)


# -- addresses ---------------------------------------------------------------------------------


@api.get(ADDRESSES, response_model=AddressesPublic, responses=NOT_FOUND)
def list_addresses(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    customer_id: uuid.UUID,
) -> AddressesPublic:
    rows = services.list_addresses(session, tenant, store_id=store.id, customer_id=customer_id)
    return AddressesPublic.of(rows, len(rows))


@api.post(
    ADDRESSES,
    status_code=status.HTTP_201_CREATED,
    response_model=AddressPublic,
    responses=CHANGE,
)
def add_address(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
    body: AddressCreate,
) -> AddressPublic:
    """Add an address; the first of its kind, or one sent with `is_default`, becomes the
    default of its kind."""
    address = services.add_address(
        session, tenant, store_id=store.id, customer_id=customer_id, data=body
    )
    return AddressPublic.model_validate(address)


@api.get(ADDRESS, response_model=AddressPublic, responses=NOT_FOUND)
def get_address(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
) -> AddressPublic:
    address = services.get_address(
        session, tenant, store_id=store.id, customer_id=customer_id, address_id=address_id
    )
    return AddressPublic.model_validate(address)


@api.patch(ADDRESS, response_model=AddressPublic, responses=CHANGE)
def update_address(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
    body: AddressUpdate,
) -> AddressPublic:
    address = services.update_address(
        session,
        tenant,
        store_id=store.id,
        customer_id=customer_id,
        address_id=address_id,
        data=body,
    )
    return AddressPublic.model_validate(address)


@api.delete(ADDRESS, status_code=status.HTTP_204_NO_CONTENT, responses=CHANGE)
def delete_address(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
) -> Response:
    """Remove the address; when it was its kind's default, the newest other one of that
    kind becomes the default."""
    services.delete_address(
        session, tenant, store_id=store.id, customer_id=customer_id, address_id=address_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
