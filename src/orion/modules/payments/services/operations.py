"""Captures, refunds, bank transfers received and cancellations: the provider is called
with no database transaction open.

Each operation is three steps:

1. a short transaction locks the payment's row, checks the amount against what is left
   (pending operations count as taken) and writes the operation `pending`, keyed by its
   idempotency key; a retried request finds that row instead of writing a second one;
2. the provider is called, nothing open in the database (a slow Stripe holds no lock);
3. a short transaction records the answer: the operation `succeeded`, the payment's amounts,
   and `payments.payment_captured` / `payments.payment_refunded` for the order.

When the provider says no, the pending row is deleted (nothing happened). When it does not
answer (timeout, 5xx), whether it acted is unknown: the row stays pending, still counting
as taken, and the caller gets 503; asking again with the same key, the settling task
(`payments.settle_pending`) or the provider's webhook completes it, once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import OrionError
from orion.modules.orders import services as orders
from orion.modules.payments.exceptions import (
    AmountTooLarge,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    OrderNotPayable,
    PaymentActionNotAllowed,
    ProviderUnavailable,
)
from orion.modules.payments.models import Payment, PaymentOperation
from orion.modules.payments.providers import Credentials, Remote, provider_for
from orion.modules.payments.repository import OperationRepository, PaymentRepository
from orion.modules.payments.schemas import (
    OperationKind,
    OperationPublic,
    OperationResultPublic,
    PaymentPublic,
    PaymentState,
    Provider,
)
from orion.modules.payments.services import accounts, amounts

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime


@dataclass(frozen=True)
class _Claim:
    operation_id: uuid.UUID
    payment_id: uuid.UUID
    kind: OperationKind
    key: str
    provider: str
    reference: str | None
    amount: int
    final: bool
    provider_key: str
    credentials: Credentials
    done: OperationResultPublic | None = None  # a replay: nothing to call


def _result(
    payment: Payment, operation: PaymentOperation, *, replayed: bool
) -> OperationResultPublic:
    return OperationResultPublic(
        operation=OperationPublic.model_validate(operation),
        payment=PaymentPublic.model_validate(payment),
        replayed=replayed,
    )


def _claim(
    runtime: Runtime,
    tenant: TenantContext,
    *,
    kind: OperationKind,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: int | None,
    final: bool,
    key: str | None,
    reason: str | None,
    actor: str | None,
    source: str,
    check: str,
) -> _Claim:
    with runtime.database.unit_of_work(tenant=tenant) as session:
        payment = PaymentRepository(session).of_store(store_id, payment_id, lock=True)
        if not key:  # asked after the payment is found: another tenant's id is a 404
            raise IdempotencyKeyRequired("transfer received" if check == "received" else kind.value)
        operations = OperationRepository(session)
        operation = operations.by_key(payment.id, kind, key)
        if operation is not None:
            if amount is not None and operation.amount != amount:
                raise IdempotencyKeyReused(key, amount=operation.amount)
            if operation.state == "succeeded":
                return _Claim(
                    operation.id, payment.id, kind, key, payment.provider,
                    payment.provider_reference, operation.amount, operation.final, "",
                    Credentials(), done=_result(payment, operation, replayed=True),
                )  # fmt: skip
        else:
            amount = _checked_amount(
                session, tenant, payment, kind=kind, amount=amount, check=check
            )
            operation = PaymentOperation(
                tenant_id=tenant.tenant_id,
                payment_id=payment.id,
                kind=kind,
                state="pending",
                amount=amount,
                idempotency_key=key,
                source=source,
                final=final
                or (kind == OperationKind.CAPTURE and amount == payment.capturable_amount),
                reason=reason,
                actor=actor,
                created_at=utcnow(),
            )
            operations.add(operation)
        return _Claim(
            operation_id=operation.id,
            payment_id=payment.id,
            kind=kind,
            key=key,
            provider=payment.provider,
            reference=payment.provider_reference,
            amount=operation.amount,
            final=operation.final,
            provider_key=f"orion:{kind.value}:{payment.id}:{key}",
            credentials=accounts.credentials(session, tenant, payment.provider),
        )


def _checked_amount(
    session: Session,
    tenant: TenantContext,
    payment: Payment,
    *,
    kind: OperationKind,
    amount: int | None,
    check: str,
) -> int:
    provider = Provider(payment.provider)
    if kind == OperationKind.CAPTURE:
        if check == "capture" and provider != Provider.STRIPE:
            raise PaymentActionNotAllowed(
                "a bank transfer is not captured: mark it received", state=payment.state
            )
        if check == "received" and provider != Provider.BANK_TRANSFER:
            raise PaymentActionNotAllowed(
                "only a bank transfer is marked received; a card payment is captured",
                state=payment.state,
            )
        if payment.state == PaymentState.CANCELED:
            raise PaymentActionNotAllowed("the payment was canceled", state=payment.state)
        if provider == Provider.STRIPE and payment.authorised_amount == 0:
            raise PaymentActionNotAllowed(
                "nothing is authorised yet: the customer has not confirmed the payment",
                state=payment.state,
            )
        order = orders.get_order(
            session, tenant, store_id=payment.store_id, order_id=payment.order_id
        )
        if order.state == "canceled":
            raise OrderNotPayable(
                f"order {order.number} was canceled: cancel the payment instead",
                state=order.state,
            )
        room = amounts.capture_room(session, payment)
        what = "still authorised" if provider == Provider.STRIPE else "still expected"
    else:
        room = amounts.refund_room(session, payment)
        what = "captured and not yet refunded"
    amount = room if amount is None else amount
    if amount > room or room <= 0:
        raise AmountTooLarge(
            f"is more than the {max(room, 0)} {what} on this payment",
            available=max(room, 0),
            requested=amount,
        )
    return amount


def _call(runtime: Runtime, claim: _Claim, kind: OperationKind) -> Remote:
    provider = provider_for(claim.provider, accounts.settings_from_runtime(runtime))
    assert claim.reference is not None or not provider.remote
    if kind == OperationKind.CAPTURE:
        return provider.capture(
            claim.credentials,
            reference=claim.reference or "",
            amount=claim.amount,
            final=claim.final,
            key=claim.provider_key,
        )
    return provider.refund(
        claim.credentials,
        reference=claim.reference or "",
        amount=claim.amount,
        key=claim.provider_key,
        metadata={"orion_operation_id": str(claim.operation_id)},
    )


def _forget(runtime: Runtime, tenant: TenantContext, claim: _Claim) -> None:
    """The provider said no: the pending operation never happened."""
    with runtime.database.unit_of_work(tenant=tenant) as session:
        session.execute(
            delete(PaymentOperation)
            .where(PaymentOperation.id == claim.operation_id, PaymentOperation.state == "pending")
            .execution_options(synchronize_session=False)
        )


def _record(
    runtime: Runtime, tenant: TenantContext, claim: _Claim, remote: Remote
) -> OperationResultPublic:
    with runtime.database.unit_of_work(tenant=tenant) as session:
        payment = PaymentRepository(session).locked(claim.payment_id)
        assert payment is not None
        operation = OperationRepository(session).find(claim.operation_id)
        replayed = operation is None or operation.state == "succeeded"
        if operation is None:  # deleted by a refusal meanwhile; the provider says it happened
            operation = PaymentOperation(
                id=claim.operation_id,
                tenant_id=tenant.tenant_id,
                payment_id=payment.id,
                kind=claim.kind,
                state="pending",
                amount=claim.amount,
                idempotency_key=claim.key,
                source="api",
                final=claim.final,
                created_at=utcnow(),
            )
            session.add(operation)
            session.flush()
            replayed = False
        amounts.complete(session, payment, operation, reference=remote.operation_reference)
        amounts.apply_remote(session, payment, remote)
        return _result(payment, operation, replayed=replayed)


def _operate(
    runtime: Runtime, tenant: TenantContext, kind: OperationKind, **claim_args: Any
) -> OperationResultPublic:
    claim = _claim(runtime, tenant, kind=kind, **claim_args)
    if claim.done is not None:
        return claim.done
    try:
        remote = _call(runtime, claim, kind)
    except ProviderUnavailable:
        raise  # unknown whether it happened: the operation stays pending (see above)
    except OrionError:
        _forget(runtime, tenant, claim)
        raise
    return _record(runtime, tenant, claim, remote)


def capture(
    runtime: Runtime,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: int | None,
    idempotency_key: str | None,
    final: bool = False,
    actor: str | None = None,
    source: str = "api",
) -> OperationResultPublic:
    """Capture `amount` (the rest of the authorisation by default) of a card payment.
    422 naming `amount` beyond what is still authorised; 503 when Stripe does not answer."""
    return _operate(
        runtime, tenant, OperationKind.CAPTURE, store_id=store_id, payment_id=payment_id,
        amount=amount, final=final, key=idempotency_key, reason=None, actor=actor,
        source=source, check="capture",
    )  # fmt: skip


def mark_received(
    runtime: Runtime,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: int | None,
    idempotency_key: str | None,
    reference: str | None = None,
    actor: str | None = None,
    source: str = "api",
) -> OperationResultPublic:
    """A bank transfer came in (all that is expected by default, or a part)."""
    return _operate(
        runtime, tenant, OperationKind.CAPTURE, store_id=store_id, payment_id=payment_id,
        amount=amount, final=False, key=idempotency_key, reason=reference, actor=actor,
        source=source, check="received",
    )  # fmt: skip


def refund(
    runtime: Runtime,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: int | None,
    idempotency_key: str | None,
    reason: str | None = None,
    actor: str | None = None,
    source: str = "api",
) -> OperationResultPublic:
    """Give back `amount` (all that is captured and not refunded by default); never more
    than was captured. A bank transfer's refund is recorded (made by hand at the bank)."""
    return _operate(
        runtime, tenant, OperationKind.REFUND, store_id=store_id, payment_id=payment_id,
        amount=amount, final=False, key=idempotency_key, reason=reason, actor=actor,
        source=source, check="refund",
    )  # fmt: skip


def cancel(
    runtime: Runtime,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    payment_id: uuid.UUID,
    actor: str | None = None,
) -> PaymentPublic:
    """Cancel a payment nothing of which was captured (Stripe releases the authorisation).
    Canceling a canceled payment answers it as it is."""
    with runtime.database.unit_of_work(tenant=tenant) as session:
        payment = PaymentRepository(session).of_store(store_id, payment_id, lock=True)
        if payment.state == PaymentState.CANCELED:
            return PaymentPublic.model_validate(payment)
        pending = OperationRepository(session).pending(payment.id, OperationKind.CAPTURE)
        if payment.captured_amount > 0 or pending:
            raise PaymentActionNotAllowed(
                "money was captured on this payment: refund it instead of canceling",
                state=payment.state,
            )
        reference, provider_name = payment.provider_reference, payment.provider
        credentials = (
            accounts.credentials(session, tenant, provider_name)
            if reference and provider_name == Provider.STRIPE
            else Credentials()
        )
    remote = Remote(status="canceled")
    if reference and provider_name == Provider.STRIPE:
        provider = provider_for(provider_name, accounts.settings_from_runtime(runtime))
        remote = provider.cancel(credentials, reference=reference, key=f"orion:cancel:{payment_id}")
    with runtime.database.unit_of_work(tenant=tenant) as session:
        payment = PaymentRepository(session).of_store(store_id, payment_id, lock=True)
        amounts.apply_remote(session, payment, remote)
        if payment.captured_amount == 0:
            payment.state = PaymentState.CANCELED
            payment.capturable_amount = 0
        session.flush()
        return PaymentPublic.model_validate(payment)
