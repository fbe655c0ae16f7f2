"""Orders routes, per store: `/stores/{store_id}/orders/...`, `/invoices/...`,
`/credit-notes/...`; and the storefront's carts, checkout and a customer's orders
(`public`, /api/v1/public/orders/stores/{store_id}/...).

`api` is one router with two audiences (kernel.web.mounting): the tenant's members at
/api/v1/orders/..., platform operators acting for a tenant at
/api/v1/admin/orders/tenants/{tenant_id}/... `CurrentStore` checks the store is the
tenant's and reachable by the member (404 `store_not_found`). Every step records its
actor (the principal's subject) in the order's timeline.

Steps answer a `Response` already encoded (`Encoded`): the request's unit of work commits
when the endpoint returns, and FastAPI would otherwise validate the answer on a thread of
the pool first, while the transaction still holds its row locks (the store's order
sequence, the stock level): with every thread of the pool waiting for those locks, the
holder would wait for a thread forever.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from orion.kernel.web.dependencies import (
    CurrentStore,
    CurrentTenant,
    IdempotencyKey,
    KeysetDep,
    PageDep,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.kernel.web.storefront import CurrentCustomer, OptionalCustomer, StorefrontDep
from orion.modules.orders import services
from orion.modules.orders.dependencies import CanManage, CanRead, CanRefund, Filters
from orion.modules.orders.exceptions import ConcurrentPlacement
from orion.modules.orders.schemas import (
    CancelCreate,
    CartItemSet,
    CartPublic,
    CheckoutCreate,
    CheckoutPublic,
    CreditNotePublic,
    CreditNotesPublic,
    FulfillmentCreate,
    FulfillmentPublic,
    FulfillmentsPublic,
    InvoiceDetailPublic,
    InvoicePublic,
    InvoicesPublic,
    OrderCreate,
    OrderDetailPublic,
    OrderEventsPublic,
    OrderPagePublic,
    PaymentCreate,
    RefundCreate,
    RefundPublic,
    ReturnCreate,
    ReturnPublic,
    ShopOrderPublic,
    ShopOrdersPublic,
)

api = APIRouter()
public = APIRouter()
Encoded = ListingResponse  # any validated schema, encoded once (kernel.web.responses)

ORDERS = "/stores/{store_id}/orders"
ORDER = ORDERS + "/{order_id}"
NOT_FOUND = problem_responses(404)
STEP = problem_responses(404, 409, 422)
PDF = {200: {"content": {"application/pdf": {}}, "description": "The PDF"}} | NOT_FOUND


@api.post(
    ORDERS,
    status_code=status.HTTP_201_CREATED,
    response_model=OrderDetailPublic,
    responses=problem_responses(402, 404, 409, 422),
)
def place_order(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    body: OrderCreate,
    key: IdempotencyKey,
) -> Response:
    """Place an order (201); with the `Idempotency-Key` of an earlier one, that order (200).
    402 past the plan's monthly orders, 409 `insufficient_stock`, 422 naming the field."""
    try:
        placed = services.place_order(
            session,
            tenant,
            store_id=store.id,
            data=body,
            idempotency_key=key,
            actor=principal.subject,
            store=store,
        )
    except ConcurrentPlacement:
        # The same key's other request committed first: this request's work is undone
        # and answers that order.
        assert key is not None
        session.rollback()
        placed = services.replayed_order(
            session, tenant, store_id=store.id, idempotency_key=key, data=body
        )
        assert placed is not None
    return Encoded(
        services.detail(placed.order, placed.items),
        status_code=status.HTTP_200_OK if placed.replayed else status.HTTP_201_CREATED,
    )


@api.get(ORDERS, response_model=OrderPagePublic, responses=NOT_FOUND)
def list_orders(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page: KeysetDep,
    filters: Filters,
) -> ListingResponse:
    """The store's orders, newest first (keyset pages: pass `next_cursor` as `after`)."""
    return ListingResponse(
        services.orders_page(session, tenant, store_id=store.id, filters=filters, page=page)
    )


@api.get(ORDER, responses=NOT_FOUND)
def get_order(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, order_id: uuid.UUID
) -> OrderDetailPublic:
    return services.order_detail(session, tenant, store_id=store.id, order_id=order_id)


@api.get(ORDER + "/events", responses=NOT_FOUND)
def order_events(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, order_id: uuid.UUID
) -> OrderEventsPublic:
    """The order's timeline, oldest first: each step, from which state to which, by whom."""
    order = services.get_order(session, tenant, store_id=store.id, order_id=order_id)
    rows = services.order_events(session, tenant, order_id=order.id)
    return OrderEventsPublic.of(rows, len(rows))


def _detail(session: SessionDep, tenant: CurrentTenant, order) -> Response:  # type: ignore[no-untyped-def]
    return Encoded(services.detail(order, services.order_items(session, tenant, order_id=order.id)))


@api.post(ORDER + "/confirm", response_model=OrderDetailPublic, responses=STEP)
def confirm_order(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    order_id: uuid.UUID,
) -> Response:
    order = services.confirm(
        session, tenant, store_id=store.id, order_id=order_id, actor=principal.subject
    )
    return _detail(session, tenant, order)


@api.post(ORDER + "/payments", response_model=OrderDetailPublic, responses=STEP)
def record_payment(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    order_id: uuid.UUID,
    body: PaymentCreate,
) -> Response:
    """Record a payment received by hand; the order is `paid` once it is paid in full."""
    order = services.record_payment(
        session,
        tenant,
        store_id=store.id,
        order_id=order_id,
        amount=body.amount,
        reference=body.reference,
        actor=principal.subject,
    )
    return _detail(session, tenant, order)


@api.post(ORDER + "/cancel", response_model=OrderDetailPublic, responses=STEP)
def cancel_order(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    order_id: uuid.UUID,
    body: CancelCreate | None = None,
) -> Response:
    """Cancel an order nothing of which shipped; its stock is released."""
    order = services.cancel(
        session,
        tenant,
        store_id=store.id,
        order_id=order_id,
        reason=body.reason if body else None,
        actor=principal.subject,
    )
    return _detail(session, tenant, order)


@api.post(ORDER + "/complete", response_model=OrderDetailPublic, responses=STEP)
def complete_order(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    order_id: uuid.UUID,
) -> Response:
    order = services.complete(
        session, tenant, store_id=store.id, order_id=order_id, actor=principal.subject
    )
    return _detail(session, tenant, order)


@api.post(
    ORDER + "/fulfillments",
    status_code=status.HTTP_201_CREATED,
    response_model=FulfillmentPublic,
    responses=STEP,
)
def create_fulfillment(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    order_id: uuid.UUID,
    body: FulfillmentCreate,
) -> Response:
    """Ship lines (everything left if `lines` is left out), with carrier and tracking."""
    fulfillment = services.create_fulfillment(
        session, tenant, store_id=store.id, order_id=order_id, data=body, actor=principal.subject
    )
    return Encoded(FulfillmentPublic.model_validate(fulfillment), status_code=201)


@api.get(ORDER + "/fulfillments", responses=NOT_FOUND)
def list_fulfillments(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, order_id: uuid.UUID
) -> FulfillmentsPublic:
    order = services.get_order(session, tenant, store_id=store.id, order_id=order_id)
    rows = services.order_fulfillments(session, tenant, order_id=order.id)
    return FulfillmentsPublic.of(rows, len(rows))


@api.post(
    ORDER + "/returns",
    status_code=status.HTTP_201_CREATED,
    response_model=ReturnPublic,
    responses=STEP,
)
def receive_return(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    order_id: uuid.UUID,
    body: ReturnCreate,
) -> Response:
    """Shipped items came back; `restock` puts them back on hand."""
    record = services.receive_return(
        session, tenant, store_id=store.id, order_id=order_id, data=body, actor=principal.subject
    )
    return Encoded(ReturnPublic.model_validate(record), status_code=201)


@api.post(
    ORDER + "/refunds",
    status_code=status.HTTP_201_CREATED,
    response_model=RefundPublic,
    responses=STEP,
)
def refund_order(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanRefund,
    order_id: uuid.UUID,
    body: RefundCreate,
) -> Response:
    """Refund an amount or lines of a paid order; answers the order and its credit note."""
    order, note = services.refund(
        session, tenant, store_id=store.id, order_id=order_id, data=body, actor=principal.subject
    )
    return RefundPublic.model_validate({"order": order, "credit_note": note}, from_attributes=True)


@api.post(
    ORDER + "/invoice",
    status_code=status.HTTP_201_CREATED,
    response_model=InvoicePublic,
    responses=STEP,
)
def issue_invoice(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    principal: CanManage,
    order_id: uuid.UUID,
) -> Response:
    """Issue the order's invoice (201), or answer the one it has (200)."""
    invoice, issued = services.issue_invoice(
        session, tenant, store_id=store.id, order_id=order_id, actor=principal.subject
    )
    return Encoded(InvoicePublic.model_validate(invoice), status_code=201 if issued else 200)


# -- documents -------------------------------------------------------------------------------


@api.get("/stores/{store_id}/invoices", response_model=InvoicesPublic, responses=NOT_FOUND)
def list_invoices(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    return ListingResponse(services.invoices_listing(session, tenant, store_id=store.id, page=page))


@api.get("/stores/{store_id}/invoices/{invoice_id}", responses=NOT_FOUND)
def get_invoice(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    invoice_id: uuid.UUID,
) -> InvoiceDetailPublic:
    return InvoiceDetailPublic.model_validate(
        services.get_invoice(session, tenant, store_id=store.id, invoice_id=invoice_id)
    )


def _pdf(snapshot: dict, number: str) -> Response:
    return Response(
        services.render_pdf(snapshot),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{number}.pdf"'},
    )


@api.get("/stores/{store_id}/invoices/{invoice_id}/pdf", response_class=Response, responses=PDF)
def invoice_pdf(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    invoice_id: uuid.UUID,
) -> Response:
    invoice = services.get_invoice(session, tenant, store_id=store.id, invoice_id=invoice_id)
    return _pdf(invoice.snapshot, invoice.number)


@api.get("/stores/{store_id}/credit-notes", response_model=CreditNotesPublic, responses=NOT_FOUND)
def list_credit_notes(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    return ListingResponse(
        services.credit_notes_listing(session, tenant, store_id=store.id, page=page)
    )


@api.get("/stores/{store_id}/credit-notes/{credit_note_id}", responses=NOT_FOUND)
def get_credit_note(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    credit_note_id: uuid.UUID,
) -> CreditNotePublic:
    return CreditNotePublic.model_validate(
        services.get_credit_note(session, tenant, store_id=store.id, credit_note_id=credit_note_id)
    )


@api.get(
    "/stores/{store_id}/credit-notes/{credit_note_id}/pdf", response_class=Response, responses=PDF
)
def credit_note_pdf(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    credit_note_id: uuid.UUID,
) -> Response:
    note = services.get_credit_note(
        session, tenant, store_id=store.id, credit_note_id=credit_note_id
    )
    return _pdf(note.snapshot, note.number)


# -- the storefront ------------------------------------------------------------------------

CART = "/stores/{store_id}/cart"
CartToken = Annotated[
    str | None,
    Header(alias="X-Cart-Token", max_length=200, description="An anonymous cart's token"),
]
OrderToken = Annotated[
    str | None,
    Header(alias="X-Order-Token", max_length=200, description="The checkout's access_token"),
]
SHOP = problem_responses(401, 404, 409, 422, 429)


@public.post("/stores/{store_id}/carts", status_code=status.HTTP_201_CREATED, responses=SHOP)
def open_cart(session: SessionDep, shop: StorefrontDep, customer: OptionalCustomer) -> CartPublic:
    """A new cart: an anonymous one answers its `token` once (send it as `X-Cart-Token`);
    a signed-in customer gets their open cart (made the first time)."""
    opened = services.open_cart(session, shop.tenant, store=shop.store, customer=customer)
    return services.cart_public(
        session, shop.tenant, store=shop.store, cart=opened.cart, token=opened.token
    )


@public.get(CART, responses=SHOP)
def get_cart(
    session: SessionDep, shop: StorefrontDep, customer: OptionalCustomer, token: CartToken = None
) -> CartPublic:
    """The cart with today's prices; `available` is false for a line that cannot be
    bought as it is (no longer on sale, or not that many in stock)."""
    cart = services.find_cart(
        session, shop.tenant, store=shop.store, customer=customer, token=token
    )
    return services.cart_public(session, shop.tenant, store=shop.store, cart=cart, token=None)


@public.put(CART + "/items/{sku}", responses=SHOP)
def set_cart_item(
    session: SessionDep,
    shop: StorefrontDep,
    customer: OptionalCustomer,
    sku: str,
    body: CartItemSet,
    token: CartToken = None,
) -> CartPublic:
    """Hold `quantity` of the SKU (0 takes it out); 422 naming `sku` for one not on sale,
    `quantity` for more than is in stock."""
    cart = services.find_cart(
        session, shop.tenant, store=shop.store, customer=customer, token=token, lock=True
    )
    services.set_item(
        session, shop.tenant, store=shop.store, cart=cart, sku=sku, quantity=body.quantity
    )
    return services.cart_public(session, shop.tenant, store=shop.store, cart=cart, token=None)


@public.post(CART + "/merge", responses=SHOP)
def merge_cart(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer, token: CartToken = None
) -> CartPublic:
    """After signing in: the anonymous cart `X-Cart-Token` joins the customer's cart."""
    if not token:
        raise services.CartInvalid.field("X-Cart-Token", "send the anonymous cart's token")
    cart = services.merge(session, shop.tenant, store=shop.store, customer=customer, token=token)
    return services.cart_public(session, shop.tenant, store=shop.store, cart=cart, token=None)


@public.post(
    CART + "/checkout",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckoutPublic,
    responses=problem_responses(401, 402, 404, 409, 422, 429),
)
def checkout(
    session: SessionDep,
    shop: StorefrontDep,
    customer: OptionalCustomer,
    body: CheckoutCreate,
    token: CartToken = None,
) -> Response:
    """Place the cart's order (201): stock is reserved, the cart closed, the confirmation
    mailed; pay it next (the payments module). A retried checkout answers the same order
    (200). 409 `insufficient_stock` naming `items[i].quantity` leaves the cart as it was."""
    cart = services.find_cart(
        session, shop.tenant, store=shop.store, customer=customer, token=token, lock=True
    )
    placed = services.checkout(
        session, shop.tenant, store=shop.store, cart=cart, customer=customer, data=body
    )
    answer = CheckoutPublic(
        order=services.shop_order_public(session, shop.tenant, placed.order),
        access_token=services.order_access_token(session, placed.order.id),
    )
    return Encoded(
        answer, status_code=status.HTTP_200_OK if placed.replayed else status.HTTP_201_CREATED
    )


@public.get("/stores/{store_id}/orders", response_model=ShopOrdersPublic, responses=SHOP)
def my_orders(
    session: SessionDep, shop: StorefrontDep, customer: CurrentCustomer, page: KeysetDep
) -> ListingResponse:
    """The signed-in customer's orders in this store, newest first."""
    return ListingResponse(
        services.customer_orders(
            session, shop.tenant, store_id=shop.store.id, customer_id=customer.id, page=page
        )
    )


@public.get("/stores/{store_id}/orders/{order_id}", responses=SHOP)
def my_order(
    session: SessionDep,
    shop: StorefrontDep,
    customer: OptionalCustomer,
    order_id: uuid.UUID,
    token: OrderToken = None,
) -> ShopOrderPublic:
    """One order: its customer's, or anyone's with its `X-Order-Token`."""
    order = services.storefront_order(
        session,
        shop.tenant,
        store_id=shop.store.id,
        order_id=order_id,
        access_token=token,
        customer_id=customer.id if customer is not None else None,
    )
    return services.shop_order_public(session, shop.tenant, order)
