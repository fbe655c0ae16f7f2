"""Orders queries: one repository per model. The kernel's filter limits every query to
the acting tenant, so none here names `tenant_id`."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, or_, select, update

from orion.kernel.data.db import insert_or_ignore
from orion.kernel.data.repository import RepositoryBase
from orion.modules.orders.exceptions import (
    CartNotFound,
    CreditNoteNotFound,
    FulfillmentNotFound,
    InvoiceNotFound,
    OrderItemNotFound,
    OrderNotFound,
)
from orion.modules.orders.models import (
    Cart,
    CartItem,
    CreditNote,
    Fulfillment,
    Invoice,
    InvoiceSequence,
    Order,
    OrderEvent,
    OrderItem,
    Return,
)


class OrderRepository(RepositoryBase[Order]):
    model = Order
    not_found = OrderNotFound

    def of_store(self, store_id: uuid.UUID, order_id: uuid.UUID, *, lock: bool = False) -> Order:
        """The store's order (404 otherwise); `lock` takes its row lock (FOR UPDATE) and
        reads it afresh, so steps on one order run one after the other."""
        if lock:
            query = (
                select(Order)
                .where(Order.id == order_id, Order.store_id == store_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            order = self.first(query)
        else:
            order = self.find(order_id)
        if order is None or order.store_id != store_id:
            raise OrderNotFound(f"order {order_id} does not exist")
        return order

    def by_key(self, store_id: uuid.UUID, key: str) -> Order | None:
        return self.first(
            select(Order).where(Order.store_id == store_id, Order.idempotency_key == key)
        )

    def by_number(self, store_id: uuid.UUID, number: str) -> Order | None:
        return self.first(select(Order).where(Order.store_id == store_id, Order.number == number))

    def filtered(
        self,
        store_id: uuid.UUID,
        *,
        state: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> Select[tuple[Order]]:
        """The store's orders in a state, placed in [since, until), whose number or
        customer email contains `search` (literally)."""
        query = select(Order).where(Order.store_id == store_id)
        if state:
            query = query.where(Order.state == state)
        if since:
            query = query.where(Order.placed_at >= since)
        if until:
            query = query.where(Order.placed_at < until)
        if search:
            pattern = "%" + search.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            pattern += "%"
            query = query.where(
                or_(
                    Order.number.ilike(pattern, escape="\\"),
                    Order.customer_email.ilike(pattern, escape="\\"),
                )
            )
        return query

    def daily_since(self, since: date, *, excluding: Collection[str] = ()) -> list[Any]:
        """(day, currency, orders, grand total) per day and currency from `since` on."""
        day = func.date(Order.placed_at)
        start = datetime.combine(since, time.min, tzinfo=UTC)
        query = (
            select(day, Order.currency, func.count(), func.coalesce(func.sum(Order.grand_total), 0))
            .where(Order.placed_at >= start, Order.state.not_in(excluding))
            .group_by(day, Order.currency)
        )
        return [tuple(row) for row in self.session.execute(query)]

    def count_by_state(self) -> dict[str, int]:
        query = select(Order.state, func.count()).group_by(Order.state)
        return {state: count for state, count in self.session.execute(query)}


class OrderItemRepository(RepositoryBase[OrderItem]):
    model = OrderItem
    not_found = OrderItemNotFound
    label = "order item"

    def of_order(self, order_id: uuid.UUID) -> list[OrderItem]:
        return self.list(
            select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.position)
        )


class OrderEventRepository(RepositoryBase[OrderEvent]):
    model = OrderEvent

    def of_order(self, order_id: uuid.UUID) -> list[OrderEvent]:
        return self.list(
            select(OrderEvent)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.created_at, OrderEvent.id)
        )


class FulfillmentRepository(RepositoryBase[Fulfillment]):
    model = Fulfillment
    not_found = FulfillmentNotFound

    def of_order(self, order_id: uuid.UUID) -> list[Fulfillment]:
        return self.list(
            select(Fulfillment)
            .where(Fulfillment.order_id == order_id)
            .order_by(Fulfillment.created_at, Fulfillment.id)
        )


class ReturnRepository(RepositoryBase[Return]):
    model = Return

    def of_order(self, order_id: uuid.UUID) -> list[Return]:
        return self.list(
            select(Return).where(Return.order_id == order_id).order_by(Return.created_at)
        )


class InvoiceRepository(RepositoryBase[Invoice]):
    model = Invoice
    not_found = InvoiceNotFound

    def of_store(self, store_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice:
        invoice = self.find(invoice_id)
        if invoice is None or invoice.store_id != store_id:
            raise InvoiceNotFound(f"invoice {invoice_id} does not exist")
        return invoice

    def of_order(self, order_id: uuid.UUID) -> Invoice | None:
        return self.first(select(Invoice).where(Invoice.order_id == order_id))

    def of_orders(self, order_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Invoice]:
        rows = self.list(select(Invoice).where(Invoice.order_id.in_(list(order_ids))))
        return {row.order_id: row for row in rows}

    def of_store_query(self, store_id: uuid.UUID) -> Select[tuple[Invoice]]:
        return select(Invoice).where(Invoice.store_id == store_id)


class CreditNoteRepository(RepositoryBase[CreditNote]):
    model = CreditNote
    not_found = CreditNoteNotFound
    label = "credit note"

    def of_store(self, store_id: uuid.UUID, note_id: uuid.UUID) -> CreditNote:
        note = self.find(note_id)
        if note is None or note.store_id != store_id:
            raise CreditNoteNotFound(f"credit note {note_id} does not exist")
        return note

    def of_order(self, order_id: uuid.UUID) -> list[CreditNote]:
        return self.list(
            select(CreditNote).where(CreditNote.order_id == order_id).order_by(CreditNote.issued_at)
        )

    def of_store_query(self, store_id: uuid.UUID) -> Select[tuple[CreditNote]]:
        return select(CreditNote).where(CreditNote.store_id == store_id)


class SequenceRepository(RepositoryBase[InvoiceSequence]):
    model = InvoiceSequence

    def take(self, tenant_id: uuid.UUID, store_id: uuid.UUID, kind: str, year: int) -> int:
        """The next number of (store, kind, year), counted on: one UPDATE ... RETURNING,
        which holds the row's lock until the transaction ends (so numbers follow commits
        and a rolled-back transaction gives its number back). The row is made the first
        time (`insert_or_ignore`, safe when two transactions make it at once)."""
        statement = (
            update(InvoiceSequence)
            .where(
                InvoiceSequence.store_id == store_id,
                InvoiceSequence.kind == kind,
                InvoiceSequence.year == year,
            )
            .values(next_number=InvoiceSequence.next_number + 1)
            .returning(InvoiceSequence.next_number)
            .execution_options(synchronize_session=False)
        )
        taken = self.session.execute(statement).scalar()
        if taken is None:
            insert_or_ignore(
                self.session,
                InvoiceSequence,
                {
                    "id": uuid.uuid4(),
                    "tenant_id": tenant_id,
                    "store_id": store_id,
                    "kind": kind,
                    "year": year,
                    "next_number": 1,
                },
                unique=("store_id", "kind", "year"),
            )
            taken = self.session.execute(statement).scalar_one()
        return int(taken) - 1


class CartRepository(RepositoryBase[Cart]):
    model = Cart
    not_found = CartNotFound

    def by_token(self, store_id: uuid.UUID, token_hash: str, *, lock: bool = False) -> Cart | None:
        query = select(Cart).where(Cart.store_id == store_id, Cart.token_hash == token_hash)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.first(query)

    def open_of_customer(
        self, store_id: uuid.UUID, customer_id: uuid.UUID, *, lock: bool = False
    ) -> Cart | None:
        query = (
            select(Cart)
            .where(Cart.store_id == store_id, Cart.customer_id == customer_id, Cart.state == "open")
            .order_by(Cart.created_at)
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.first(query)


class CartItemRepository(RepositoryBase[CartItem]):
    model = CartItem

    def of_cart(self, cart_id: uuid.UUID) -> list[CartItem]:
        return self.list(
            select(CartItem).where(CartItem.cart_id == cart_id).order_by(CartItem.created_at)
        )
