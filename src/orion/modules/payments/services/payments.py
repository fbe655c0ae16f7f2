"""Starting and confirming payments, and reading them.

`start` is three steps like the operations (see `operations`): a short transaction finds
the order's open payment with that provider or writes a new one for what the order still
owes; Stripe is asked for the PaymentIntent (idempotency key `orion:start:<payment id>`,
so a retried start finds the same PaymentIntent) with nothing open in the database; a
short transaction records its id. A bank transfer calls nothing: its instructions carry a
reference made here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from orion.kernel.data.db import serialise
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.orders import services as orders
from orion.modules.payments.exceptions import (
    OrderNotPayable,
    PaymentActionNotAllowed,
    PaymentDeclined,
    ProviderUnavailable,
)
from orion.modules.payments.models import Payment
from orion.modules.payments.providers import Remote, provider_for
from orion.modules.payments.providers.bank_transfer import transfer_reference
from orion.modules.payments.repository import OperationRepository, PaymentRepository
from orion.modules.payments.schemas import (
    BankInstructions,
    OperationPublic,
    PaymentDetailPublic,
    PaymentPublic,
    PaymentsPublic,
    PaymentState,
    Provider,
    StorefrontPaymentPublic,
    StorefrontPaymentsPublic,
)
from orion.modules.payments.services import accounts, amounts

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime

# An order a customer may still pay: placed or confirmed, or shipped on account.
PAYABLE = ("pending", "confirmed", "partially_fulfilled", "fulfilled")
OrderLoader = Callable[[Session], Any]  # the order (orders' model), checked for the caller


def staff_order(tenant: TenantContext, store_id: uuid.UUID, order_id: uuid.UUID) -> OrderLoader:
    return lambda session: orders.get_order(session, tenant, store_id=store_id, order_id=order_id)


def customer_order(
    tenant: TenantContext,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    *,
    access_token: str | None,
    customer_id: uuid.UUID | None,
) -> OrderLoader:
    """The order as the storefront opens it: its access token or its signed-in customer
    (404 `order_not_found` otherwise, as for an unknown order)."""
    return lambda session: orders.storefront_order(
        session,
        tenant,
        store_id=store_id,
        order_id=order_id,
        access_token=access_token,
        customer_id=customer_id,
    )


def _instructions(session: Session, tenant: TenantContext, payment: Payment) -> BankInstructions:
    bank = accounts.bank_account(session, tenant)
    assert bank is not None
    return BankInstructions(
        account_holder=bank.account_holder,
        iban=bank.iban,
        bic=bank.bic,
        bank_name=bank.bank_name,
        reference=payment.provider_reference or "",
        amount=payment.amount - payment.captured_amount,
        currency=payment.currency,
        note=bank.note,
    )


def shopper_view(
    session: Session,
    tenant: TenantContext,
    payment: Payment,
    *,
    remote: Remote | None = None,
    publishable_key: str | None = None,
) -> StorefrontPaymentPublic:
    waiting = payment.state in amounts.PRE_AUTHORISATION
    return StorefrontPaymentPublic(
        id=payment.id,
        provider=Provider(payment.provider),
        state=PaymentState(payment.state),
        amount=payment.amount,
        currency=payment.currency,
        captured_amount=payment.captured_amount,
        refunded_amount=payment.refunded_amount,
        client_secret=remote.client_secret if remote and waiting else None,
        publishable_key=publishable_key,
        provider_reference=payment.provider_reference,
        next_action=remote.next_action if remote and waiting else None,
        instructions=_instructions(session, tenant, payment)
        if payment.provider == Provider.BANK_TRANSFER and payment.state == PaymentState.PENDING
        else None,
        failure_message=payment.failure_message,
    )


def start(
    runtime: Runtime,
    tenant: TenantContext,
    *,
    load_order: OrderLoader,
    provider: Provider,
    started_by: str | None,
) -> tuple[StorefrontPaymentPublic, bool]:
    """The order's payment with `provider`: (the payment as the customer sees it, created).
    409 `order_not_payable` for an order paid, canceled or refunded; 409
    `payment_provider_not_configured` when the store does not take that provider."""
    with runtime.database.unit_of_work(tenant=tenant) as session:
        order = load_order(session)
        credentials = accounts.credentials(session, tenant, provider)
        # Two starts at once (a double click) make one payment: one at a time per order.
        serialise(session, "payments.start", order.id)
        payment = PaymentRepository(session).open_of_order(order.id, provider)
        created = payment is None
        if payment is None:
            outstanding = order.grand_total - order.paid_total
            if order.state not in PAYABLE or outstanding <= 0:
                raise OrderNotPayable(
                    f"order {order.number} is {order.state} and owes nothing more"
                    if outstanding <= 0
                    else f"order {order.number} is {order.state}: it cannot be paid",
                    state=order.state,
                )
            payment = Payment(
                tenant_id=tenant.tenant_id,
                store_id=order.store_id,
                order_id=order.id,
                provider=provider,
                state=PaymentState.PENDING,
                currency=order.currency,
                amount=outstanding,
                started_by=started_by,
            )
            if provider == Provider.BANK_TRANSFER:
                payment.provider_reference = transfer_reference(order.number)
                payment.authorised_amount = payment.capturable_amount = outstanding
            PaymentRepository(session).add(payment)
        if provider == Provider.BANK_TRANSFER:
            return shopper_view(session, tenant, payment), created
        payment_id, reference = payment.id, payment.provider_reference
        amount, currency, number = payment.amount, payment.currency, order.number
        metadata = {
            "orion_tenant_id": str(tenant.tenant_id),
            "orion_payment_id": str(payment.id),
            "orion_order_id": str(order.id),
            "orion_store_id": str(order.store_id),
        }
    stripe = provider_for(provider, accounts.settings_from_runtime(runtime))
    try:
        if reference:
            remote = stripe.retrieve(credentials, reference=reference)
        else:
            remote = stripe.start(
                credentials,
                payment_id=str(payment_id),
                amount=amount,
                currency=currency,
                metadata=metadata,
                description=f"Order {number}",
            )
    except ProviderUnavailable:
        raise  # the payment stays, without its PaymentIntent: a retried start asks again
    except Exception:
        if created:
            _forget(runtime, tenant, payment_id)
        raise
    with runtime.database.unit_of_work(tenant=tenant) as session:
        payment = PaymentRepository(session).locked(payment_id)
        assert payment is not None
        amounts.apply_remote(session, payment, remote)
        view = shopper_view(
            session, tenant, payment, remote=remote, publishable_key=credentials.publishable_key
        )
        return view, created


def _forget(runtime: Runtime, tenant: TenantContext, payment_id: uuid.UUID) -> None:
    """Stripe refused the PaymentIntent: the payment never started."""
    with runtime.database.unit_of_work(tenant=tenant) as session:
        session.execute(
            delete(Payment)
            .where(Payment.id == payment_id, Payment.provider_reference.is_(None))
            .execution_options(synchronize_session=False)
        )


def confirm(
    runtime: Runtime,
    tenant: TenantContext,
    *,
    load_order: OrderLoader,
    payment_id: uuid.UUID,
    payment_method: str,
    return_url: str | None,
    idempotency_key: str | None,
) -> StorefrontPaymentPublic:
    """Confirm a card payment server-side with a payment method (clients without
    Stripe.js): authorised (the money held), `requires_action` (3-D Secure: send the
    customer to `next_action`), or 402 `payment_declined` (recorded: try another card)."""
    with runtime.database.unit_of_work(tenant=tenant) as session:
        order = load_order(session)
        payment = PaymentRepository(session).of_store(order.store_id, payment_id)
        if payment.order_id != order.id:
            raise PaymentActionNotAllowed("this payment is another order's", state=payment.state)
        if payment.provider != Provider.STRIPE or not payment.provider_reference:
            raise PaymentActionNotAllowed(
                "only a started card payment is confirmed", state=payment.state
            )
        if payment.state not in amounts.PRE_AUTHORISATION:
            return shopper_view(session, tenant, payment)  # confirmed already
        credentials = accounts.credentials(session, tenant, payment.provider)
        store_id, reference = payment.store_id, payment.provider_reference
    stripe = provider_for(Provider.STRIPE, accounts.settings_from_runtime(runtime))
    key = f"orion:confirm:{payment_id}:{idempotency_key or uuid.uuid4().hex}"
    declined: PaymentDeclined | None = None
    try:
        remote = stripe.confirm(
            credentials,
            reference=reference,
            payment_method=payment_method,
            return_url=return_url,
            key=key,
        )
    except PaymentDeclined as exc:
        declined = exc
        code = exc.extra.get("decline_code")
        remote = Remote(
            status="requires_payment_method",
            failure_code=str(code) if code else "card_declined",
            failure_message=exc.message,
        )
    with runtime.database.unit_of_work(tenant=tenant) as session:
        payment = PaymentRepository(session).of_store(store_id, payment_id, lock=True)
        amounts.apply_remote(session, payment, remote)
        view = shopper_view(
            session, tenant, payment, remote=remote, publishable_key=credentials.publishable_key
        )
    if declined is not None:
        raise declined  # the decline is recorded on the payment
    return view


# -- reads -------------------------------------------------------------------------------------


def payments_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    state: str | None = None,
    provider: str | None = None,
    page: Page | None = None,
) -> PaymentsPublic:
    with acting_for(session, tenant):
        repository = PaymentRepository(session)
        query = repository.of_store_query(store_id, state=state, provider=provider)
        rows, count = repository.page(query, page, Payment.created_at.desc())
        return PaymentsPublic.of(rows, count)


def order_payments(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, order_id: uuid.UUID
) -> list[Payment]:
    with acting_for(session, tenant):
        orders.get_order(session, tenant, store_id=store_id, order_id=order_id)
        return PaymentRepository(session).of_order(order_id)


def get_payment(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, payment_id: uuid.UUID
) -> Payment:
    with acting_for(session, tenant):
        return PaymentRepository(session).of_store(store_id, payment_id)


def payment_detail(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, payment_id: uuid.UUID
) -> PaymentDetailPublic:
    with acting_for(session, tenant):
        payment = PaymentRepository(session).of_store(store_id, payment_id)
        operations = OperationRepository(session).of_payment(payment.id)
        return PaymentDetailPublic.model_validate(
            {
                **PaymentPublic.model_validate(payment).model_dump(),
                "operations": [OperationPublic.model_validate(op) for op in operations],
            }
        )


def shopper_payments(
    session: Session, tenant: TenantContext, *, load_order: OrderLoader
) -> StorefrontPaymentsPublic:
    with acting_for(session, tenant):
        order = load_order(session)
        payments = PaymentRepository(session).of_order(order.id)
        publishable = None
        if any(p.provider == Provider.STRIPE for p in payments):
            try:
                publishable = accounts.credentials(session, tenant, Provider.STRIPE).publishable_key
            except Exception:  # the store stopped taking cards since: the history still shows
                publishable = None
        return StorefrontPaymentsPublic(
            order_id=order.id,
            payments=[
                shopper_view(session, tenant, p, publishable_key=publishable) for p in payments
            ],
        )
