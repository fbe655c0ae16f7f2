"""Letzshop shipments as orders: the scheduled sync of unconfirmed shipments, the
historical import of every shipment, confirming or declining inventory units, tracking
numbers and returns.

A shipment is placed as an order through `orders.services.place_order` with the key
`letzshop:<shipment id>`, so a shipment met twice (a second sync, a re-run import) is one
order. Letzshop has no quantities: a line's quantity is the number of its units.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import OrionError
from orion.modules.catalog import services as catalog
from orion.modules.inventory import services as inventory
from orion.modules.marketplace.exceptions import LetzshopError, MarketplaceInvalid
from orion.modules.marketplace.models import LetzshopShipment, LetzshopUnit
from orion.modules.marketplace.repository import ShipmentRepository, UnitRepository
from orion.modules.marketplace.schemas import (
    ConfirmUnits,
    ReturnCreate,
    ShipmentPublic,
    ShipmentsPublic,
    StockPolicy,
    TrackingUpdate,
    UnitPublic,
)
from orion.modules.marketplace.services import client as letzshop
from orion.modules.marketplace.services.common import store_of
from orion.modules.marketplace.services.credentials import client_for
from orion.modules.orders import services as orders
from orion.modules.orders.schemas import (
    Address,
    FulfillmentCreate,
    LineQuantity,
    OrderCreate,
    OrderItemCreate,
    OrderState,
)
from orion.modules.orders.schemas import ReturnCreate as OrderReturn

ACTOR = "marketplace:letzshop"
CONFIRMED, DECLINED, UNCONFIRMED, RETURNED = (
    "confirmed_available",
    "confirmed_unavailable",
    "unconfirmed",
    "returned",
)


def _cents(value: Any) -> int | None:
    if value is None:
        return None
    from decimal import Decimal

    return int((Decimal(str(value)) * 100).to_integral_value())


def _address(raw: dict[str, Any] | None) -> Address | None:
    if not raw:
        return None
    name = " ".join(p for p in (raw.get("firstName"), raw.get("lastName")) if p) or "?"
    street = " ".join(p for p in (raw.get("streetName"), raw.get("streetNumber")) if p)
    try:
        return Address(
            name=name[:200],
            company=(raw.get("company") or None),
            line1=(street or "?")[:200],
            postal_code=str(raw.get("zipCode") or "?")[:20],
            city=(raw.get("city") or "?")[:200],
            country=((raw.get("country") or {}).get("iso") or "LU")[:2].upper(),
            phone=(raw.get("phone") or None),
        )
    except ValueError:
        return None


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _shipment_state(units: list[LetzshopUnit]) -> str:
    states = {u.state for u in units}
    if not states or UNCONFIRMED in states:
        return "unconfirmed"
    if states <= {DECLINED}:
        return "declined"
    return "confirmed"


def record_shipment(
    session: Session,
    tenant: TenantContext,
    store: StoreInfo,
    node: dict[str, Any],
    *,
    source: str,
    stock_policy: StockPolicy = StockPolicy.deduct,
) -> str:
    """Keep the shipment and place its order (once): "created", "existing" or "failed"."""
    repo = ShipmentRepository(session)
    order = node.get("order") or {}
    existing = repo.by_letzshop_id(store.id, str(node["id"]))
    if existing is None and order.get("number"):
        existing = repo.first(
            repo.in_store(store.id).where(LetzshopShipment.order_number == str(order["number"]))
        )
    if existing is not None:
        return "existing"
    tracking = node.get("tracking") or {}
    shipment = LetzshopShipment(
        tenant_id=tenant.tenant_id,
        store_id=store.id,
        letzshop_id=str(node["id"]),
        number=str(node.get("number") or node["id"]),
        state=str(node.get("state") or "unconfirmed"),
        order_number=str(order.get("number") or ""),
        email=order.get("email"),
        total=_cents(order.get("total")),
        locale=order.get("locale"),
        completed_at=_when(order.get("completedAt")),
        tracking_code=tracking.get("code"),
        tracking_provider=tracking.get("provider"),
        source=source,
        payload=node,
    )
    repo.add(shipment)
    skus: list[str] = []
    for unit in node.get("inventoryUnits") or []:
        variant = unit.get("variant") or {}
        names = (variant.get("product") or {}).get("name") or {}
        session.add(
            LetzshopUnit(
                tenant_id=tenant.tenant_id,
                shipment_id=shipment.id,
                letzshop_id=str(unit["id"]),
                state=str(unit.get("state") or UNCONFIRMED),
                sku=variant.get("sku"),
                title=(names.get("en") or names.get("fr") or names.get("de") or "")[:300],
                price=_cents(variant.get("price")),
            )
        )
        if variant.get("sku"):
            skus.append(str(variant["sku"]))
    session.flush()
    try:
        with session.begin_nested():
            shipment.order_id = _place(session, tenant, store, shipment, order, skus, stock_policy)
    except OrionError as exc:
        shipment.problem = f"no order: {exc.message}"[:1000]
        session.flush()
        return "failed"
    return "created"


def _place(
    session: Session,
    tenant: TenantContext,
    store: StoreInfo,
    shipment: LetzshopShipment,
    order: dict[str, Any],
    skus: list[str],
    stock_policy: StockPolicy,
) -> uuid.UUID:
    if not skus:
        raise MarketplaceInvalid.field("inventoryUnits", "the shipment has no unit with a SKU")
    ship_to = _address(order.get("shipAddress"))
    total = f"{shipment.total / 100:.2f} EUR" if shipment.total is not None else "unknown"
    placed = orders.place_order(
        session,
        tenant,
        store_id=store.id,
        data=OrderCreate(
            items=[OrderItemCreate(sku=s, quantity=q) for s, q in Counter(skus).items()],
            customer_email=shipment.email or "unknown@letzshop.invalid",
            customer_name=ship_to.name if ship_to else None,
            shipping_address=ship_to,
            billing_address=_address(order.get("billAddress")),
            note=f"Letzshop order {shipment.order_number}, shipment {shipment.number}, "
            f"total {total}",
        ),
        idempotency_key=f"letzshop:{shipment.letzshop_id}",
        actor=ACTOR,
        store=store,
    )
    order_id = placed.order.id
    managed = catalog.stock_managed_elsewhere(session, tenant)
    if managed and (shipment.state == "declined" or stock_policy == StockPolicy.skip):
        # Nothing of a declined shipment was sold; with `skip` stock is left as it was. The
        # reservation the placement made goes back at once (the cancellation's own release,
        # after commit, then finds nothing left to release).
        inventory.release(
            session, tenant, store_id=store.id, reference=inventory.order_reference(order_id)
        )
    if shipment.state == "declined":
        orders.cancel(
            session,
            tenant,
            store_id=store.id,
            order_id=order_id,
            actor=ACTOR,
            reason="declined on Letzshop",
        )

    if shipment.state == "confirmed":
        orders.confirm(session, tenant, store_id=store.id, order_id=order_id, actor=ACTOR)
        units = UnitRepository(session).of([shipment.id])
        lines = _shipped_lines(session, tenant, order_id, units)
        if stock_policy == StockPolicy.deduct and shipment.source == "historical" and lines:
            # Sold and gone: the confirmed units leave the stock (declined ones stay).
            orders.create_fulfillment(
                session,
                tenant,
                store_id=store.id,
                order_id=order_id,
                data=FulfillmentCreate(
                    lines=lines,
                    carrier=shipment.tracking_provider,
                    tracking_number=shipment.tracking_code,
                ),
                actor=ACTOR,
            )
    return order_id


def sync_store(session: Session, tenant: TenantContext, store_id: uuid.UUID) -> dict[str, int]:
    """Fetch the store's unconfirmed shipments and place the new ones as orders."""
    from orion.kernel.data.db import utcnow
    from orion.modules.marketplace.repository import CredentialRepository

    counts = {"seen": 0, "created": 0, "existing": 0, "failed": 0}
    with acting_for(session, tenant):
        store = store_of(session, tenant, store_id)
        with client_for(session, tenant, store_id) as client:
            for nodes, _ in client.paginate(
                "Shipments", letzshop.SHIPMENTS, "shipments", {"state": "unconfirmed"}
            ):
                for node in nodes:
                    counts["seen"] += 1
                    counts[record_shipment(session, tenant, store, node, source="sync")] += 1
        credential = CredentialRepository(session).of_store(store_id)
        if credential is not None:
            credential.last_sync_at = utcnow()
        session.flush()
    return counts


# -- reads ---------------------------------------------------------------------------------


def shipments_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    state: str | None = None,
    page: Page | None = None,
) -> ShipmentsPublic:
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        repo = ShipmentRepository(session)
        query = repo.in_store(store_id)
        if state:
            query = query.where(LetzshopShipment.state == state)
        rows, count = repo.page(query, page, LetzshopShipment.created_at.desc())
        units = UnitRepository(session).of([r.id for r in rows])
        return ShipmentsPublic.of([_public(r, units) for r in rows], count)


def _public(row: LetzshopShipment, units: list[LetzshopUnit]) -> ShipmentPublic:
    shown = ShipmentPublic.model_validate(row)
    shown.units = [UnitPublic.model_validate(u) for u in units if u.shipment_id == row.id]
    return shown


def get_shipment(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, shipment_id: uuid.UUID
) -> ShipmentPublic:
    with acting_for(session, tenant):
        row = ShipmentRepository(session).get_in(store_id, shipment_id)
        return _public(row, UnitRepository(session).of([row.id]))


# -- actions on a shipment -------------------------------------------------------------------


def decide_units(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    shipment_id: uuid.UUID,
    data: ConfirmUnits,
) -> ShipmentPublic:
    """Confirm or decline units on Letzshop, then follow on our side: a shipment wholly
    declined cancels its order (the stock goes back), one confirmed confirms it."""
    with acting_for(session, tenant):
        shipment = ShipmentRepository(session).get_in(store_id, shipment_id, lock=True)
        units = {u.id: u for u in UnitRepository(session).of([shipment.id])}
        if data.all is not None:
            decisions = {u.id: data.all for u in units.values() if u.state == UNCONFIRMED}
        else:
            decisions = {}
            for i, decision in enumerate(data.units):
                if decision.unit_id not in units:
                    raise MarketplaceInvalid.field(
                        f"units[{i}].unit_id", "not an inventory unit of this shipment"
                    )
                decisions[decision.unit_id] = decision.available
        if not decisions:
            raise MarketplaceInvalid.field("units", "no unconfirmed unit to decide on")
        with client_for(session, tenant, store_id) as client:
            answer = client.execute(
                "ConfirmInventoryUnits",
                letzshop.CONFIRM_UNITS,
                {
                    "input": {
                        "inventoryUnits": [
                            {"inventoryUnitId": units[uid].letzshop_id, "isAvailable": ok}
                            for uid, ok in decisions.items()
                        ]
                    }
                },
            )
        result = answer.get("confirmInventoryUnits") or {}
        by_letzshop = {u.letzshop_id: u for u in units.values()}
        for answered in result.get("inventoryUnits") or []:
            unit = by_letzshop.get(str(answered.get("id")))
            if unit is not None and answered.get("state"):
                unit.state = str(answered["state"])
        shipment.state = _shipment_state(list(units.values()))
        session.flush()
        _follow(session, tenant, shipment)
        refused = result.get("errors") or []
        if refused:
            shipment.problem = "; ".join(str(e.get("message")) for e in refused)[:1000]
            session.flush()
            raise LetzshopError(f"Letzshop refused some units: {shipment.problem}")
        return _public(shipment, list(units.values()))


def _follow(session: Session, tenant: TenantContext, shipment: LetzshopShipment) -> None:
    if shipment.order_id is None:
        return
    order = orders.get_order(
        session, tenant, store_id=shipment.store_id, order_id=shipment.order_id
    )
    if shipment.state == "declined" and order.state in (OrderState.PENDING, OrderState.CONFIRMED):
        orders.cancel(
            session,
            tenant,
            store_id=shipment.store_id,
            order_id=order.id,
            reason="declined on Letzshop",
            actor=ACTOR,
        )
    elif shipment.state == "confirmed" and order.state == OrderState.PENDING:
        orders.confirm(session, tenant, store_id=shipment.store_id, order_id=order.id, actor=ACTOR)
        declined = [u for u in UnitRepository(session).of([shipment.id]) if u.state == DECLINED]
        if declined:
            shipment.problem = (
                f"{len(declined)} unit(s) declined on Letzshop; the order still lists them"
            )


def set_tracking(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    shipment_id: uuid.UUID,
    data: TrackingUpdate,
) -> ShipmentPublic:
    """Send the tracking number to Letzshop and keep it (Letzshop is said not to answer it
    back reliably); the order ships with it where it was confirmed."""
    with acting_for(session, tenant):
        shipment = ShipmentRepository(session).get_in(store_id, shipment_id, lock=True)
        with client_for(session, tenant, store_id) as client:
            answer = client.execute(
                "SetShipmentTracking",
                letzshop.SET_TRACKING,
                {"input": {"shipmentId": shipment.letzshop_id, "code": data.code,
                           "provider": data.provider}},
            )  # fmt: skip
        refused = (answer.get("setShipmentTracking") or {}).get("errors") or []
        if refused:
            raise LetzshopError(
                "Letzshop refused the tracking number: "
                + "; ".join(str(e.get("message")) for e in refused)
            )
        shipment.tracking_code, shipment.tracking_provider = data.code, data.provider
        session.flush()
        units = UnitRepository(session).of([shipment.id])
        if shipment.order_id is not None:
            order = orders.get_order(session, tenant, store_id=store_id, order_id=shipment.order_id)
            lines = _shipped_lines(session, tenant, order.id, units)
            if order.state in (OrderState.CONFIRMED, OrderState.PAID) and lines:
                orders.create_fulfillment(
                    session,
                    tenant,
                    store_id=store_id,
                    order_id=order.id,
                    data=FulfillmentCreate(
                        lines=lines, carrier=data.provider, tracking_number=data.code
                    ),
                    actor=ACTOR,
                )
        return _public(shipment, units)


def _shipped_lines(
    session: Session, tenant: TenantContext, order_id: uuid.UUID, units: list[LetzshopUnit]
) -> list[LineQuantity]:
    """The order's lines the confirmed units ship (declined units are not sent)."""
    confirmed = Counter(u.sku for u in units if u.state == CONFIRMED)
    lines = []
    for item in orders.order_items(session, tenant, order_id=order_id):
        quantity = min(confirmed[item.sku], item.quantity - item.fulfilled_quantity)
        if quantity > 0:
            lines.append(LineQuantity(item_id=item.id, quantity=quantity))
            confirmed[item.sku] -= quantity
    return lines


def record_return(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    shipment_id: uuid.UUID,
    data: ReturnCreate,
) -> ShipmentPublic:
    """Units came back: they become `returned`, and the order records the return (back on
    hand with `restock`)."""
    with acting_for(session, tenant):
        shipment = ShipmentRepository(session).get_in(store_id, shipment_id, lock=True)
        units = {u.id: u for u in UnitRepository(session).of([shipment.id])}
        for i, unit_id in enumerate(data.unit_ids):
            unit = units.get(unit_id)
            if unit is None:
                raise MarketplaceInvalid.field(f"unit_ids[{i}]", "not a unit of this shipment")
            if unit.state != CONFIRMED:
                raise MarketplaceInvalid.field(
                    f"unit_ids[{i}]", f"only confirmed units come back; this one is {unit.state}"
                )
        returned = [units[u] for u in dict.fromkeys(data.unit_ids)]
        if shipment.order_id is not None:
            items = orders.order_items(session, tenant, order_id=shipment.order_id)
            wanted = Counter(u.sku for u in returned)
            lines = [
                LineQuantity(item_id=item.id, quantity=wanted[item.sku])
                for item in items
                if wanted.get(item.sku)
            ]
            if lines:
                orders.receive_return(
                    session,
                    tenant,
                    store_id=store_id,
                    order_id=shipment.order_id,
                    data=OrderReturn(lines=lines, restock=data.restock, reason=data.reason),
                    actor=ACTOR,
                )
        for unit in returned:
            unit.state = RETURNED
        session.flush()
        return _public(shipment, list(units.values()))
