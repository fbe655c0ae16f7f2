"""Queries on the payments tables (the kernel's tenant filter applies to each)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.payments.exceptions import PaymentNotFound
from orion.modules.payments.models import (
    BankAccount,
    Payment,
    PaymentOperation,
    StripeAccount,
    WebhookEvent,
)

OPEN_STATES = ("pending", "requires_action", "authorised", "failed")


class PaymentRepository(RepositoryBase[Payment]):
    model = Payment
    not_found = PaymentNotFound
    label = "payment"

    def of_store(
        self, store_id: uuid.UUID, payment_id: uuid.UUID, *, lock: bool = False
    ) -> Payment:
        """The store's payment, or 404; with `lock`, its row held until commit and read
        as it is now (after waiting for the lock)."""
        query = select(Payment).where(Payment.id == payment_id, Payment.store_id == store_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        payment = self.session.scalar(query)
        if payment is None:
            raise PaymentNotFound(f"payment {payment_id} does not exist")
        return payment

    def locked(self, payment_id: uuid.UUID) -> Payment | None:
        return self.session.scalar(
            select(Payment)
            .where(Payment.id == payment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def of_order(self, order_id: uuid.UUID) -> list[Payment]:
        return self.list(
            select(Payment).where(Payment.order_id == order_id).order_by(Payment.created_at)
        )

    def open_of_order(self, order_id: uuid.UUID, provider: str) -> Payment | None:
        """The order's payment with `provider` still waiting for the customer, if any."""
        return self.first(
            select(Payment)
            .where(
                Payment.order_id == order_id,
                Payment.provider == provider,
                Payment.state.in_(OPEN_STATES),
                Payment.captured_amount == 0,
            )
            .order_by(Payment.created_at.desc())
        )

    def by_reference(self, provider: str, reference: str) -> Payment | None:
        return self.first(
            select(Payment).where(
                Payment.provider == provider, Payment.provider_reference == reference
            )
        )

    def of_store_query(self, store_id: uuid.UUID, *, state: str | None, provider: str | None):  # type: ignore[no-untyped-def]
        query = select(Payment).where(Payment.store_id == store_id)
        if state:
            query = query.where(Payment.state == state)
        if provider:
            query = query.where(Payment.provider == provider)
        return query

    def open_total(self, order_id: uuid.UUID) -> int:
        """What the order's payments hold or have taken and not given back."""
        return int(
            self.session.scalar(
                select(
                    func.coalesce(func.sum(Payment.captured_amount - Payment.refunded_amount), 0)
                ).where(Payment.order_id == order_id)
            )
            or 0
        )


class OperationRepository(RepositoryBase[PaymentOperation]):
    model = PaymentOperation
    label = "operation"

    def by_key(self, payment_id: uuid.UUID, kind: str, key: str) -> PaymentOperation | None:
        return self.first(
            select(PaymentOperation)
            .where(
                PaymentOperation.payment_id == payment_id,
                PaymentOperation.kind == kind,
                PaymentOperation.idempotency_key == key,
            )
            .execution_options(populate_existing=True)
        )

    def of_payment(self, payment_id: uuid.UUID) -> list[PaymentOperation]:
        return self.list(
            select(PaymentOperation)
            .where(PaymentOperation.payment_id == payment_id)
            .order_by(PaymentOperation.created_at, PaymentOperation.id)
        )

    def pending(self, payment_id: uuid.UUID, kind: str) -> list[PaymentOperation]:
        return self.list(
            select(PaymentOperation)
            .where(
                PaymentOperation.payment_id == payment_id,
                PaymentOperation.kind == kind,
                PaymentOperation.state == "pending",
            )
            .order_by(PaymentOperation.created_at, PaymentOperation.id)
            .execution_options(populate_existing=True)
        )


class StripeAccountRepository(RepositoryBase[StripeAccount]):
    model = StripeAccount
    label = "Stripe account"

    def current(self) -> StripeAccount | None:
        return self.first(select(StripeAccount))


class BankAccountRepository(RepositoryBase[BankAccount]):
    model = BankAccount
    label = "bank account"

    def current(self) -> BankAccount | None:
        return self.first(select(BankAccount))


class WebhookEventRepository(RepositoryBase[WebhookEvent]):
    model = WebhookEvent
    label = "webhook event"

    def by_event_id(self, provider: str, event_id: str) -> WebhookEvent | None:
        return self.first(
            select(WebhookEvent).where(
                WebhookEvent.provider == provider, WebhookEvent.event_id == event_id
            )
        )
