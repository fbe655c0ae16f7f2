"""Customers storefront routes: a shopper's account with one store, on the `public` router
(`/api/v1/public/customers/stores/{store_id}/...`).

`StorefrontDep` (kernel) finds the store, limits requests per client address and scopes
the session to the store's tenant; `CurrentCustomer` is the signed-in customer of that
store from `Authorization: Bearer <customer token>` (401 otherwise; a staff token never
is one). Answers that might tell whether an address has an account (a password reset) are
the same either way.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from orion.kernel.web.dependencies import SessionDep, problem_responses
from orion.kernel.web.storefront import CurrentCustomer, StorefrontDep, client_address
from orion.modules.customers import services
from orion.modules.customers.dependencies import CustomerSessionId
from orion.modules.customers.exceptions import WrongPassword
from orion.modules.customers.schemas import (
    AddressCreate,
    AddressesPublic,
    AddressPublic,
    AddressUpdate,
    CustomerDetailPublic,
    CustomerExport,
    CustomerPublic,
    CustomerRegister,
    CustomerSignIn,
    CustomerToken,
    CustomerUpdateMe,
    ErasureConfirm,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
)

public = APIRouter()

STORE = "/stores/{store_id}"
ME = STORE + "/me"
ADDRESSES = ME + "/addresses"
ADDRESS = ADDRESSES + "/{address_id}"
SIGNED_IN = problem_responses(401, 404)
CHANGE = problem_responses(401, 404, 409, 422)


@public.post(
    STORE + "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerToken,
    responses=problem_responses(404, 409, 422, 429),
)
def register(session: SessionDep, shop: StorefrontDep, body: CustomerRegister) -> CustomerToken:
    """Open an account with the store, signed in at once (201 with the customer's token).
    409 naming `email` when the store knows the address (in whatever case)."""
    return services.register(session, shop.tenant, store=shop.store, data=body)


@public.post(
    STORE + "/sign-in",
    response_model=CustomerToken,
    responses=problem_responses(401, 403, 404, 422, 429),
)
def sign_in(
    request: Request, session: SessionDep, shop: StorefrontDep, body: CustomerSignIn
) -> CustomerToken:
    """The customer's token for this store. 401 for a wrong email or password (the same
    answer for both), 429 with Retry-After after repeated failures for the account or
    from the address."""
    return services.sign_in(
        session, shop.tenant, store=shop.store, data=body, address=client_address(request)
    )


@public.post(STORE + "/sign-out", status_code=status.HTTP_204_NO_CONTENT, responses=SIGNED_IN)
def sign_out(
    session: SessionDep, shop: StorefrontDep, _: CurrentCustomer, session_id: CustomerSessionId
) -> Response:
    """End this sign-in: the token stops working at once."""
    if session_id is not None:
        services.sign_out(session, shop.tenant, session_id=session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public.post(
    STORE + "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(404, 422, 429),
)
def request_password_reset(
    session: SessionDep, shop: StorefrontDep, body: PasswordResetRequest
) -> Response:
    """Mail a single-use reset token to the address if it is a customer's (202 either
    way). Also how a customer created without a password sets one."""
    services.request_password_reset(session, shop.tenant, store=shop.store, data=body)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@public.post(
    STORE + "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 410, 422, 429),
)
def confirm_password_reset(
    session: SessionDep, shop: StorefrontDep, body: PasswordResetConfirm
) -> Response:
    """Set the new password with the mailed token (once: 410 when used or expired); every
    session of the customer ends, so it signs in again."""
    services.reset_password(session, shop.tenant, store=shop.store, data=body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- the signed-in customer's own account ----------------------------------------------------


@public.get(ME, response_model=CustomerDetailPublic, responses=SIGNED_IN)
def me(session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer) -> CustomerDetailPublic:
    return services.customer_detail(
        session, shop.tenant, store_id=shop.store.id, customer_id=customer.id
    )


@public.patch(ME, response_model=CustomerPublic, responses=CHANGE)
def update_me(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer, body: CustomerUpdateMe
) -> CustomerPublic:
    """Change one's names, phone, marketing consent (the email: through the store)."""
    row = services.update_me(session, shop.tenant, customer, data=body)
    return CustomerPublic.model_validate(row)


@public.post(ME + "/password", status_code=status.HTTP_204_NO_CONTENT, responses=CHANGE)
def change_password(
    session: SessionDep,
    shop: StorefrontDep,
    customer: CurrentCustomer,
    session_id: CustomerSessionId,
    body: PasswordChange,
) -> Response:
    """A new password, confirmed with the current one (422 naming `current_password`);
    the customer's other sessions end, this one goes on."""
    services.change_password(session, shop.tenant, customer, data=body, session_id=session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public.get(ME + "/export", response_model=CustomerExport, responses=SIGNED_IN)
def export_me(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer
) -> CustomerExport:
    """Everything the store holds of the customer, as JSON (its orders included)."""
    return services.export_customer(
        session, shop.tenant, store_id=shop.store.id, customer_id=customer.id
    )


@public.post(ME + "/erase", status_code=status.HTTP_204_NO_CONTENT, responses=CHANGE)
def erase_me(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer, body: ErasureConfirm
) -> Response:
    """Erase the account on the customer's request: personal data anonymised (orders keep
    their amounts), signed out everywhere. A customer with a password confirms with it
    (422 naming `password`)."""
    if not services.verify_customer_password(session, shop.tenant, customer, body.password):
        raise WrongPassword("password")
    services.erase_customer(session, shop.tenant, store_id=shop.store.id, customer_id=customer.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- addresses -----------------------------------------------------------------------------------


@public.get(ADDRESSES, response_model=AddressesPublic, responses=SIGNED_IN)
def my_addresses(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer
) -> AddressesPublic:
    rows = services.list_addresses(
        session, shop.tenant, store_id=shop.store.id, customer_id=customer.id
    )
    return AddressesPublic.of(rows, len(rows))


@public.post(
    ADDRESSES, status_code=status.HTTP_201_CREATED, response_model=AddressPublic, responses=CHANGE
)
def add_my_address(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer, body: AddressCreate
) -> AddressPublic:
    address = services.add_address(
        session, shop.tenant, store_id=shop.store.id, customer_id=customer.id, data=body
    )
    return AddressPublic.model_validate(address)


@public.get(ADDRESS, response_model=AddressPublic, responses=SIGNED_IN)
def my_address(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer, address_id: uuid.UUID
) -> AddressPublic:
    address = services.get_address(
        session,
        shop.tenant,
        store_id=shop.store.id,
        customer_id=customer.id,
        address_id=address_id,
    )
    return AddressPublic.model_validate(address)


@public.patch(ADDRESS, response_model=AddressPublic, responses=CHANGE)
def update_my_address(
    session: SessionDep,
    shop: StorefrontDep,
    customer: CurrentCustomer,
    address_id: uuid.UUID,
    body: AddressUpdate,
) -> AddressPublic:
    address = services.update_address(
        session,
        shop.tenant,
        store_id=shop.store.id,
        customer_id=customer.id,
        address_id=address_id,
        data=body,
    )
    return AddressPublic.model_validate(address)


@public.delete(ADDRESS, status_code=status.HTTP_204_NO_CONTENT, responses=CHANGE)
def delete_my_address(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer, address_id: uuid.UUID
) -> Response:
    services.delete_address(
        session,
        shop.tenant,
        store_id=shop.store.id,
        customer_id=customer.id,
        address_id=address_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
