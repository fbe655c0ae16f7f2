"""Placing an order: the checkout's hot path.

One unit of work, in this order: one `find_sellable` for every SKU, the totals (computed
here, once, and stored), then what other orders queue on — the plan's monthly order counter,
the store's order number (its sequence row) — the order, its first timeline entry, the items
in one multi-row INSERT, then `orders.order_placed`: inventory's transaction handler
reserves the stock in this same transaction (409 `insufficient_stock` undoes everything) and
the outbox row carries the event to the after-commit handlers (the confirmation mail).

With an `Idempotency-Key`, a replay answers the order the first placement made (the same
key with a different request is a 409). Two placements with one key at once: the second's
INSERT waits for the first and fails on the unique (store, key) when it commits; that
raises `ConcurrentPlacement` and the caller (the route) rolls its work back and answers
`replayed_order`. One order either way, and no extra statement on the hot path.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import orjson
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError, StoreNotFound
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.limits import consume_counter
from orion.modules.catalog import services as catalog
from orion.modules.orders.events import OrderLine, OrderPlaced
from orion.modules.orders.exceptions import (
    ConcurrentPlacement,
    IdempotencyKeyReused,
    OrderInvalid,
)
from orion.modules.orders.models import Order, OrderItem
from orion.modules.orders.repository import (
    OrderItemRepository,
    OrderRepository,
    SequenceRepository,
)
from orion.modules.orders.schemas import OrderCreate, OrderState
from orion.modules.orders.services import states, totals
from orion.modules.tenancy import services as tenancy

ORDER_SEQUENCE = "order"


def order_number(store_code: str, number: int) -> str:
    """`roastery-000042`: the store's code and its sequential number."""
    return f"{store_code}-{number:06d}"


@dataclass(frozen=True)
class Placed:
    """The order placed (or found again for a replayed key), with its items."""

    order: Order
    items: list[OrderItem]
    replayed: bool = False


def request_hash(data: OrderCreate) -> str:
    return hashlib.sha256(orjson.dumps(data.model_dump(mode="json"))).hexdigest()


def replayed_order(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    idempotency_key: str,
    data: OrderCreate,
) -> Placed | None:
    """The order an earlier placement with this key made, or None; a 409 when that one
    was a different request."""
    with acting_for(session, tenant):
        existing = OrderRepository(session).by_key(store_id, idempotency_key)
        if existing is None:
            return None
        if existing.request_hash != request_hash(data):
            raise IdempotencyKeyReused(idempotency_key)
        return Placed(existing, OrderItemRepository(session).of_order(existing.id), True)


def place_order(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    data: OrderCreate,
    idempotency_key: str | None = None,
    actor: str | None = None,
    store: StoreInfo | None = None,
    customer_id: uuid.UUID | None = None,
) -> Placed:
    """Place an order in the store; see the module docstring for what happens in which
    order. 422 naming the field for an unknown SKU, a discount above the items, another
    currency; 402 past the plan's monthly orders; 409 when stock is short. A caller that
    holds the store's `StoreInfo` (a route's `CurrentStore`) passes it as `store`, which
    saves looking it up again; the storefront's checkout passes the signed-in customer's
    `customer_id`."""
    with acting_for(session, tenant):
        if store is None or store.id != store_id:
            store = tenancy.stores.store(session, tenant, store_id)
        if store is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        if data.currency is not None and data.currency != store.currency:
            raise OrderInvalid.field(
                "currency", f"the store sells in {store.currency}, not {data.currency}"
            )
        fingerprint = request_hash(data) if idempotency_key else None
        if idempotency_key:
            existing = replayed_order(
                session, tenant, store_id=store_id, idempotency_key=idempotency_key, data=data
            )
            if existing is not None:
                return existing

        sellable = catalog.find_sellable(
            session, tenant, store_id=store_id, skus={line.sku for line in data.items}
        )
        errors = [
            FieldError(f"items[{i}].sku", f"no product on sale in this store has SKU {line.sku!r}")
            for i, line in enumerate(data.items)
            if line.sku not in sellable
        ]
        errors += [
            FieldError(
                f"items[{i}].sku",
                f"{line.sku} is priced in {sellable[line.sku].currency}, "
                f"the store sells in {store.currency}",
            )
            for i, line in enumerate(data.items)
            if line.sku in sellable and sellable[line.sku].currency != store.currency
        ]
        if errors:
            raise OrderInvalid("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
        lines = [
            totals.Line(sellable[x.sku].unit_price, x.quantity, sellable[x.sku].vat_rate)
            for x in data.items
        ]
        items_total = sum(line.total for line in lines)
        if data.discount_total > items_total:
            raise OrderInvalid.field(
                "discount_total",
                f"the discount ({data.discount_total}) is more than the items ({items_total})",
            )
        figures = totals.compute(lines, shipping=data.shipping_total, discount=data.discount_total)

        # The locks the orders of a tenant or store queue on (the monthly counter, the
        # order number; then the stock levels) are taken last: what runs under them is
        # what the next order waits for.
        consume_counter(session, tenant, "orders_per_month")
        number = SequenceRepository(session).take(tenant.tenant_id, store_id, ORDER_SEQUENCE, 0)
        order = Order(
            id=uuid.uuid4(),
            tenant_id=tenant.tenant_id,
            store_id=store_id,
            number=order_number(store.code, number),
            state=OrderState.PENDING.value,
            currency=store.currency,
            customer_email=data.customer_email,
            customer_name=data.customer_name,
            customer_id=customer_id,
            shipping_address=_address(data.shipping_address),
            billing_address=_address(data.billing_address or data.shipping_address),
            note=data.note,
            items_total=figures.items_total,
            discount_total=figures.discount_total,
            shipping_total=figures.shipping_total,
            shipping_vat_rate=figures.shipping_vat_rate,
            vat_total=figures.vat_total,
            grand_total=figures.grand_total,
            vat_breakdown=figures.vat_breakdown,
            paid_total=0,
            refunded_total=0,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
        )
        session.add(order)
        states.record(session, order, "placed", actor=actor, data={"number": order.number})
        try:
            session.flush()
        except IntegrityError as exc:
            # Another placement with this key committed while this one ran (its INSERT
            # waited for that one's): answered by the caller with that order.
            if idempotency_key and "idempotency_key" in str(exc.orig):
                raise ConcurrentPlacement(idempotency_key) from None
            raise
        rows = [
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant.tenant_id,
                "order_id": order.id,
                "position": position,
                "product_id": sellable[line.sku].product_id,
                "variant_id": sellable[line.sku].variant_id,
                "sku": line.sku,
                "title": sellable[line.sku].title[:500],
                "unit_price": sellable[line.sku].unit_price,
                "vat_rate": sellable[line.sku].vat_rate,
                "quantity": line.quantity,
                "line_total": sellable[line.sku].unit_price * line.quantity,
                "fulfilled_quantity": 0,
                "returned_quantity": 0,
                "refunded_quantity": 0,
            }
            for position, line in enumerate(data.items)
        ]
        # One statement for every line (a multi-row VALUES), not one per line.
        session.execute(insert(OrderItem).values(rows))
        publish(
            session,
            OrderPlaced(
                order_id=order.id,
                store_id=store_id,
                lines=[
                    OrderLine(
                        position=row["position"],
                        product_id=row["product_id"],
                        variant_id=row["variant_id"],
                        sku=row["sku"],
                        quantity=row["quantity"],
                    )
                    for row in rows
                ],
                grand_total=order.grand_total,
                currency=order.currency,
            ),
        )
        return Placed(order, [OrderItem(**row) for row in rows])


def _address(address: object) -> dict | None:
    return address.model_dump(exclude_none=True) if address is not None else None  # type: ignore[attr-defined]
