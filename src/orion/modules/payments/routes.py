"""Payments routes.

`api` (the tenant's members at /api/v1/payments/..., operators acting for a tenant at
/api/v1/admin/payments/tenants/{tenant_id}/...): the provider accounts, a store's and an
order's payments, captures, refunds, bank transfers received, cancellations.

`public` (/api/v1/public/payments/...): Stripe's webhook, and the storefront under
`/stores/{store_id}/orders/{order_id}/payments`, opened by the order's access token
(`X-Order-Token`, from the checkout) or its signed-in customer.

Routes that call a provider take `NoOpenTransaction` last: what the request read before
is committed and closed, and the services open their own short units of work around the
provider's call, never across it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from orion.kernel.contract.principal import Principal
from orion.kernel.errors import StoreNotFound
from orion.kernel.web.dependencies import (
    CurrentStore,
    CurrentTenant,
    IdempotencyKey,
    PageDep,
    RuntimeDep,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.kernel.web.storefront import OptionalCustomer, StorefrontDep
from orion.modules.payments import services
from orion.modules.payments.dependencies import (
    CanConfigure,
    CanManage,
    CanRead,
    CanRefund,
    NoOpenTransaction,
)
from orion.modules.payments.schemas import (
    AccountsPublic,
    BankAccountPublic,
    BankAccountUpdate,
    CaptureCreate,
    OperationResultPublic,
    PaymentConfirm,
    PaymentDetailPublic,
    PaymentPublic,
    PaymentsPublic,
    PaymentStart,
    PaymentState,
    Provider,
    RefundCreate,
    StorefrontPaymentPublic,
    StorefrontPaymentsPublic,
    StripeAccountPublic,
    StripeAccountUpdate,
    TransferReceived,
    WebhookReceipt,
)

api = APIRouter()
public = APIRouter()

PAYMENTS = "/stores/{store_id}/payments"
PAYMENT = PAYMENTS + "/{payment_id}"
ORDER_PAYMENTS = "/stores/{store_id}/orders/{order_id}/payments"
NOT_FOUND = problem_responses(404)
OPERATION = problem_responses(400, 404, 409, 422, 502, 503)
OrderToken = Annotated[
    str | None,
    Header(alias="X-Order-Token", max_length=200, description="The checkout's access_token"),
]


def _reach(principal: Principal, store_id: uuid.UUID) -> None:
    """A member limited to some stores reaches only theirs (404 as for an unknown store);
    whether the store is the tenant's, the payment's own row says (the tenant filter)."""
    reach = None if principal.is_superadmin else principal.store_ids
    if reach is not None and store_id not in reach:
        raise StoreNotFound(f"store {store_id} does not exist")


def _answered(result: OperationResultPublic, response: Response) -> OperationResultPublic:
    response.status_code = status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED
    return result


# -- accounts ----------------------------------------------------------------------------------


@api.get("/accounts", response_model=AccountsPublic)
def get_accounts(session: SessionDep, tenant: CurrentTenant, _: CanRead) -> AccountsPublic:
    """The tenant's Stripe account (keys masked) and bank account."""
    return services.provider_accounts(session, tenant)


@api.put("/accounts/stripe", response_model=StripeAccountPublic, responses=problem_responses(422))
def put_stripe_account(
    session: SessionDep, tenant: CurrentTenant, _: CanConfigure, body: StripeAccountUpdate
) -> StripeAccountPublic:
    """Connect the tenant's Stripe account (`sk_...`, `whsec_...`, `pk_...`); keys left out
    stay. The secret ones are stored sealed and never answered again."""
    return services.stripe_public(services.configure_stripe(session, tenant, data=body))


@api.put(
    "/accounts/bank-transfer", response_model=BankAccountPublic, responses=problem_responses(422)
)
def put_bank_account(
    session: SessionDep, tenant: CurrentTenant, _: CanConfigure, body: BankAccountUpdate
) -> BankAccountPublic:
    """The account customers transfer to (IBAN checked), shown with each payment's reference."""
    return BankAccountPublic.model_validate(services.configure_bank(session, tenant, data=body))


# -- reads -------------------------------------------------------------------------------------


@api.get(PAYMENTS, response_model=PaymentsPublic, responses=NOT_FOUND)
def list_payments(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page: PageDep,
    state: Annotated[PaymentState | None, Query()] = None,
    provider: Annotated[Provider | None, Query()] = None,
) -> ListingResponse:
    """The store's payments, newest first."""
    return ListingResponse(
        services.payments_listing(
            session,
            tenant,
            store_id=store.id,
            state=state.value if state else None,
            provider=provider.value if provider else None,
            page=page,
        )
    )


@api.get(ORDER_PAYMENTS, response_model=PaymentsPublic, responses=NOT_FOUND)
def list_order_payments(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    order_id: uuid.UUID,
) -> PaymentsPublic:
    """An order's payments, oldest first."""
    rows = services.order_payments(session, tenant, store_id=store.id, order_id=order_id)
    return PaymentsPublic.of(rows, len(rows))


@api.get(PAYMENT, response_model=PaymentDetailPublic, responses=NOT_FOUND)
def get_payment(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    payment_id: uuid.UUID,
) -> PaymentDetailPublic:
    """A payment with its captures and refunds."""
    return services.payment_detail(session, tenant, store_id=store.id, payment_id=payment_id)


# -- steps (the provider is called: no transaction open) ---------------------------------------


@api.post(
    ORDER_PAYMENTS,
    response_model=StorefrontPaymentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=OPERATION,
)
def start_payment(
    runtime: RuntimeDep,
    tenant: CurrentTenant,
    principal: CanManage,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    body: PaymentStart,
    response: Response,
    _: NoOpenTransaction,
) -> StorefrontPaymentPublic:
    """Start a payment of the order for the customer (a bank transfer's instructions for a
    phone order, a PaymentIntent for a payment link); the open one if it exists (200)."""
    _reach(principal, store_id)
    view, created = services.start(
        runtime,
        tenant,
        load_order=services.staff_order(tenant, store_id, order_id),
        provider=body.provider,
        started_by=principal.subject,
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return view


@api.post(
    PAYMENT + "/captures",
    response_model=OperationResultPublic,
    status_code=status.HTTP_201_CREATED,
    responses=OPERATION,
)
def capture(
    runtime: RuntimeDep,
    tenant: CurrentTenant,
    principal: CanManage,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    body: CaptureCreate,
    key: IdempotencyKey,
    response: Response,
    _: NoOpenTransaction,
) -> OperationResultPublic:
    """Capture a card payment: `amount` or the rest of the authorisation. Needs an
    `Idempotency-Key` (a replay answers the first capture, 200). 422 naming `amount` beyond
    what is still authorised; 503 when Stripe does not answer (retry with the same key)."""
    _reach(principal, store_id)
    result = services.capture(
        runtime, tenant, store_id=store_id, payment_id=payment_id, amount=body.amount,
        final=body.final, idempotency_key=key, actor=principal.subject,
    )  # fmt: skip
    return _answered(result, response)


@api.post(
    PAYMENT + "/received",
    response_model=OperationResultPublic,
    status_code=status.HTTP_201_CREATED,
    responses=OPERATION,
)
def transfer_received(
    runtime: RuntimeDep,
    tenant: CurrentTenant,
    principal: CanManage,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    body: TransferReceived,
    key: IdempotencyKey,
    response: Response,
    _: NoOpenTransaction,
) -> OperationResultPublic:
    """A bank transfer came in: `amount` (all that is expected by default). Needs an
    `Idempotency-Key`."""
    _reach(principal, store_id)
    result = services.mark_received(
        runtime, tenant, store_id=store_id, payment_id=payment_id, amount=body.amount,
        reference=body.reference, idempotency_key=key, actor=principal.subject,
    )  # fmt: skip
    return _answered(result, response)


@api.post(
    PAYMENT + "/refunds",
    response_model=OperationResultPublic,
    status_code=status.HTTP_201_CREATED,
    responses=OPERATION,
)
def refund(
    runtime: RuntimeDep,
    tenant: CurrentTenant,
    principal: CanRefund,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    body: RefundCreate,
    key: IdempotencyKey,
    response: Response,
    _: NoOpenTransaction,
) -> OperationResultPublic:
    """Give money back (never more than was captured); the order gets its refund and credit
    note. Needs an `Idempotency-Key`."""
    _reach(principal, store_id)
    result = services.refund(
        runtime, tenant, store_id=store_id, payment_id=payment_id, amount=body.amount,
        reason=body.reason, idempotency_key=key, actor=principal.subject,
    )  # fmt: skip
    return _answered(result, response)


@api.post(PAYMENT + "/cancel", response_model=PaymentPublic, responses=OPERATION)
def cancel(
    runtime: RuntimeDep,
    tenant: CurrentTenant,
    principal: CanManage,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    _: NoOpenTransaction,
) -> PaymentPublic:
    """Cancel a payment nothing of which was captured (Stripe releases the hold)."""
    _reach(principal, store_id)
    return services.cancel(
        runtime, tenant, store_id=store_id, payment_id=payment_id, actor=principal.subject
    )


# -- public: Stripe's webhook ------------------------------------------------------------------


@public.post("/webhooks/stripe", response_model=WebhookReceipt, responses=problem_responses(400))
async def stripe_webhook(request: Request, session: SessionDep) -> WebhookReceipt:
    """Stripe's events, verified with the store's webhook secret, stored once, applied once."""
    from fastapi.concurrency import run_in_threadpool

    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    return await run_in_threadpool(services.receive, session, payload=payload, signature=signature)


# -- public: the storefront --------------------------------------------------------------------

SHOP = problem_responses(401, 402, 404, 409, 422, 429, 502, 503)


@public.get(ORDER_PAYMENTS, response_model=StorefrontPaymentsPublic, responses=SHOP)
def shop_payments(
    session: SessionDep,
    shop: StorefrontDep,
    customer: OptionalCustomer,
    order_id: uuid.UUID,
    token: OrderToken = None,
) -> StorefrontPaymentsPublic:
    """The order's payments as its customer sees them (state, amounts, transfer details)."""
    return services.shopper_payments(
        session,
        shop.tenant,
        load_order=services.customer_order(
            shop.tenant,
            shop.store.id,
            order_id,
            access_token=token,
            customer_id=customer.id if customer else None,
        ),
    )


@public.post(
    ORDER_PAYMENTS,
    response_model=StorefrontPaymentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=SHOP,
)
def shop_start_payment(
    runtime: RuntimeDep,
    shop: StorefrontDep,
    customer: OptionalCustomer,
    order_id: uuid.UUID,
    body: PaymentStart,
    response: Response,
    _: NoOpenTransaction,
    token: OrderToken = None,
) -> StorefrontPaymentPublic:
    """Pay the order: `stripe` answers the PaymentIntent's `client_secret` (confirm it with
    Stripe.js, or below), `bank_transfer` the transfer's instructions. Asked again, the
    order's open payment with that provider (200)."""
    view, created = services.start(
        runtime,
        shop.tenant,
        load_order=services.customer_order(
            shop.tenant,
            shop.store.id,
            order_id,
            access_token=token,
            customer_id=customer.id if customer else None,
        ),
        provider=body.provider,
        started_by=f"customer:{customer.id}" if customer else "storefront",
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return view


@public.post(
    ORDER_PAYMENTS + "/{payment_id}/confirm", response_model=StorefrontPaymentPublic, responses=SHOP
)
def shop_confirm_payment(
    runtime: RuntimeDep,
    shop: StorefrontDep,
    customer: OptionalCustomer,
    order_id: uuid.UUID,
    payment_id: uuid.UUID,
    body: PaymentConfirm,
    key: IdempotencyKey,
    _: NoOpenTransaction,
    token: OrderToken = None,
) -> StorefrontPaymentPublic:
    """Confirm a card payment with a payment method, server-side (clients without
    Stripe.js): `authorised`, `requires_action` (`next_action` says where to send the
    customer) or 402 `payment_declined`."""
    return services.confirm(
        runtime,
        shop.tenant,
        load_order=services.customer_order(
            shop.tenant,
            shop.store.id,
            order_id,
            access_token=token,
            customer_id=customer.id if customer else None,
        ),
        payment_id=payment_id,
        payment_method=body.payment_method,
        return_url=body.return_url,
        idempotency_key=key,
    )
