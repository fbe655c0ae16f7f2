"""`orion demo`: a few orders in several states in each demo store.

Placed through `place_order` (so inventory reserves what it tracks) once the demo's unit
of work has committed: inventory requires orders, so its demo stock is seeded after this
hook runs, and the orders come after it. Each order carries an idempotency key; a store
whose first demo order exists is left alone, so running it twice adds nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.orm import Session

from orion.kernel.data.db import after_commit
from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.errors import OrionError
from orion.modules.catalog import services as catalog
from orion.modules.orders.schemas import Address, FulfillmentCreate, OrderCreate, RefundCreate
from orion.modules.orders.services import invoices, placement, refunds, steps
from orion.modules.orders.services.shipping import create_fulfillment
from orion.modules.tenancy import services as tenancy

log = structlog.get_logger(__name__)

ACTOR = "demo"
# (key, customer, lines (sku suffix, quantity), shipping, discount, what happens next)
ORDERS: tuple[tuple[Any, ...], ...] = (
    (
        "demo-1",
        ("Anna Muller", "anna@example.com"),
        (("BEANS-ESP-1KG", 1), ("MUG-CERAMIC", 2)),
        490,
        0,
        (),
    ),
    ("demo-2", ("Luc Weber", "luc@example.com"), (("BEANS-HOUSE-250", 3),), 490, 200, ("confirm",)),
    (
        "demo-3",
        ("Marie Schmit", "marie@example.com"),
        (("GRINDER-HAND", 1),),
        0,
        0,
        ("pay", "invoice"),
    ),
    (
        "demo-4",
        ("Paul Hoffmann", "paul@example.com"),
        (("TEE-BARISTA-M", 1), ("COLD-BREW-330", 4)),
        490,
        0,
        ("pay", "invoice", "ship"),
    ),
    ("demo-5", ("Sophie Klein", "sophie@example.com"), (("CHOC-DARK-70", 2),), 490, 0, ("cancel",)),
    (
        "demo-6",
        ("Tom Wagner", "tom@example.com"),
        (("MUG-TRAVEL", 1), ("BOOK-ATLAS", 1)),
        490,
        0,
        ("pay", "invoice", "ship", "complete", "refund"),
    ),
)


def seed_demo(session: Session, runtime: Any) -> None:
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    stores = [
        (tenant, store) for tenant in tenants for store in tenancy.stores.stores(session, tenant)
    ]
    # After the demo's commit: the catalog and inventory demo data exist then.
    after_commit(session, lambda: _seed_all(runtime, stores))


def _seed_all(runtime: Any, stores: list[tuple[TenantContext, Any]]) -> None:
    for tenant, store in stores:
        try:
            with runtime.database.unit_of_work(tenant=tenant) as session:
                _seed_store(session, tenant, store)
        except OrionError as exc:  # demo data is best effort; say why and go on
            log.warning("orders_demo_skipped", store=store.code, reason=exc.message)


def _seed_store(session: Session, tenant: TenantContext, store: Any) -> None:
    prefix = store.code.upper()
    skus = {f"{prefix}-{sku}" for *_, lines, _s, _d, _n in ORDERS for sku, _ in lines}
    sellable = catalog.find_sellable(session, tenant, store_id=store.id, skus=skus)
    for key, (name, mail), lines, shipping, discount, then in ORDERS:
        items = [
            {"sku": f"{prefix}-{sku}", "quantity": quantity}
            for sku, quantity in lines
            if f"{prefix}-{sku}" in sellable
        ]
        if not items:
            continue
        data = OrderCreate.model_validate(
            {
                "items": items,
                "customer_email": mail,
                "customer_name": name,
                "shipping_address": Address(
                    name=name,
                    line1="12 rue de la Gare",
                    postal_code="1611",
                    city="Luxembourg",
                    country="LU",
                ),
                "shipping_total": shipping,
                "discount_total": discount,
            }
        )
        with session.begin_nested():
            placed = placement.place_order(
                session, tenant, store_id=store.id, data=data, idempotency_key=key, actor=ACTOR
            )
        if placed.replayed:
            return  # seeded before
        _advance(session, tenant, store.id, placed.order.id, then)


def _advance(
    session: Session,
    tenant: TenantContext,
    store_id: uuid.UUID,
    order_id: uuid.UUID,
    then: tuple[str, ...],
) -> None:
    ids = {"store_id": store_id, "order_id": order_id}
    for step in then:
        if step == "confirm":
            steps.confirm(session, tenant, **ids, actor=ACTOR)
        elif step == "pay":
            steps.record_payment(session, tenant, **ids, reference="bank transfer", actor=ACTOR)
        elif step == "invoice":
            invoices.issue_invoice(session, tenant, **ids, actor=ACTOR)
        elif step == "ship":
            create_fulfillment(
                session,
                tenant,
                **ids,
                data=FulfillmentCreate(carrier="POST Luxembourg", tracking_number="LU123456789"),
                actor=ACTOR,
            )
        elif step == "complete":
            steps.complete(session, tenant, **ids, actor=ACTOR)
        elif step == "refund":
            refunds.refund(
                session,
                tenant,
                **ids,
                data=RefundCreate(amount=500, reason="goodwill"),
                actor=ACTOR,
            )
        elif step == "cancel":
            steps.cancel(session, tenant, **ids, reason="customer changed their mind", actor=ACTOR)
