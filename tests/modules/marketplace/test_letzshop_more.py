"""Tracking numbers and returns, the historical import's deduct policy, the scheduled sync,
the marketplace CSV export and the removal of old exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import set_tenant
from orion.modules.marketplace import services
from orion.modules.marketplace.models import Export
from orion.modules.marketplace.schemas import (
    ConfirmUnits,
    CredentialUpdate,
    ExportKind,
    ReturnCreate,
    StockPolicy,
    TrackingUpdate,
)
from orion.modules.marketplace.services import exports, historical
from orion.modules.marketplace.tasks import sync_orders
from orion.modules.orders import services as orders
from tests.modules.marketplace.conftest import feed_text
from tests.modules.marketplace.letzshop_server import shipment, unit

MUG = [{"id": "MUG", "title": "Mug", "price": "12.50 EUR", "quantity": "5"}]


def keyed(shop, server, *, inventory=False, enable=None):  # type: ignore[no-untyped-def]
    if inventory:
        enable("inventory", tenant_id=shop.tenant.tenant_id)
    shop.import_bytes(feed_text(MUG).encode())
    with shop.work() as session:
        services.set_credential(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=CredentialUpdate(api_key=server.api_key),
        )


def only_shipment(shop):  # type: ignore[no-untyped-def]
    with shop.work() as session:
        (found,) = services.shipments_listing(session, shop.tenant, store_id=shop.store_id).data
        return found


def test_a_tracking_number_is_sent_kept_and_ships_the_order_then_units_come_back(
    shop, letzshop, enable
):
    keyed(shop, letzshop, inventory=True, enable=enable)
    letzshop.shipments = [shipment("7", [unit("U7", "MUG"), unit("U8", "MUG")])]
    with shop.work() as session:
        services.sync_store(session, shop.tenant, shop.store_id)
    found = only_shipment(shop)
    assert shop.products()["MUG"].available_quantity == 3  # two units reserved
    with shop.work() as session:
        services.decide_units(
            session,
            shop.tenant,
            store_id=shop.store_id,
            shipment_id=found.id,
            data=ConfirmUnits(all=True),
        )
        tracked = services.set_tracking(
            session,
            shop.tenant,
            store_id=shop.store_id,
            shipment_id=found.id,
            data=TrackingUpdate(code="GR123", provider="greco"),
        )
    assert (tracked.tracking_code, tracked.tracking_provider) == ("GR123", "greco")
    assert letzshop.shipments[0]["tracking"] == {"code": "GR123", "provider": "greco"}
    with shop.work() as session:
        order = orders.get_order(
            session, shop.tenant, store_id=shop.store_id, order_id=found.order_id
        )
        assert order.state == "fulfilled"
        returned = services.record_return(
            session,
            shop.tenant,
            store_id=shop.store_id,
            shipment_id=found.id,
            data=ReturnCreate(unit_ids=[found.units[0].id], restock=True, reason="broken"),
        )
    assert sorted(u.state for u in returned.units) == ["confirmed_available", "returned"]
    assert shop.products()["MUG"].available_quantity == 4  # 5 - 2 shipped + 1 back
    with shop.work() as session:
        refused = None
        try:
            services.record_return(
                session,
                shop.tenant,
                store_id=shop.store_id,
                shipment_id=found.id,
                data=ReturnCreate(unit_ids=[found.units[0].id]),
            )
        except Exception as exc:
            refused = exc
    assert refused is not None and "unit_ids[0]" in str(refused)


def test_the_deduct_policy_takes_historical_sales_out_of_stock(shop, letzshop, enable):
    keyed(shop, letzshop, inventory=True, enable=enable)
    letzshop.shipments = [
        shipment("1", [unit("U1", "MUG", state="confirmed_available")], state="confirmed"),
        shipment("2", [unit("U2", "MUG", state="confirmed_unavailable")], state="declined"),
    ]
    with shop.work() as session:
        row = services.start_historical_import(
            session, shop.tenant, store_id=shop.store_id, stock_policy=StockPolicy.deduct
        )
        import_id = row.id
    with shop.runtime.database.unit_of_work() as session:
        set_tenant(session, shop.tenant)
        assert (
            historical.run_historical_import(session, import_id, checkpoint=session.commit)[
                "created"
            ]
            == 2
        )
    assert shop.products()["MUG"].available_quantity == 4  # the confirmed one left; declined not


def test_the_skip_policy_leaves_stock_as_it_is(shop, letzshop, enable):
    keyed(shop, letzshop, inventory=True, enable=enable)
    letzshop.shipments = [
        shipment("1", [unit("U1", "MUG", state="confirmed_available")], state="confirmed"),
        shipment("3", [unit("U3", "MUG")]),
    ]
    with shop.work() as session:
        row = services.start_historical_import(
            session, shop.tenant, store_id=shop.store_id, stock_policy=StockPolicy.skip
        )
        import_id = row.id
    with shop.runtime.database.unit_of_work() as session:
        set_tenant(session, shop.tenant)
        historical.run_historical_import(session, import_id, checkpoint=session.commit)
    assert shop.products()["MUG"].available_quantity == 5


def test_the_scheduled_sync_goes_through_every_store_with_a_key_and_survives_an_outage(
    shop, letzshop, make_store
):
    keyed(shop, letzshop)
    letzshop.shipments = [shipment("4", [unit("U4", "MUG")])]
    other = make_store(shop.tenant)
    with shop.work() as session:
        services.set_credential(
            session, shop.tenant, store_id=other.id, data=CredentialUpdate(api_key="wrong-key-0000")
        )
    with shop.runtime.database.unit_of_work() as session:
        set_tenant(session, shop.tenant)
        totals = sync_orders(session, tenant_id=shop.tenant.tenant_id)
    assert totals["stores"] == 1 and totals["created"] == 1  # the other store's key is refused
    with shop.work() as session:
        calls = services.calls_listing(session, shop.tenant, store_id=other.id).data
    assert calls[0].status_code == 401
    letzshop.fail(10)
    with shop.runtime.database.unit_of_work() as session:
        set_tenant(session, shop.tenant)
        assert sync_orders(session, tenant_id=shop.tenant.tenant_id)["stores"] == 0
    with shop.work() as session:
        tries = [
            c
            for c in services.calls_listing(session, shop.tenant, store_id=shop.store_id).data
            if c.status_code == 503
        ]
    assert len(tries) == 3  # max_attempts, each recorded


def test_the_marketplace_csv_lists_every_product_and_variant(shop):
    shop.import_bytes(
        feed_text(
            [
                *MUG,
                {
                    "id": "TEE-M",
                    "title": "Tee",
                    "price": "20.00 EUR",
                    "item_group_id": "TEE",
                    "size": "M",
                },
            ]
        ).encode()
    )
    with shop.work() as session:
        row = exports.start_export(
            session, shop.tenant, store_id=shop.store_id, kind=ExportKind.marketplace_csv
        )
        export_id = row.id
    with shop.runtime.database.unit_of_work() as session:
        set_tenant(session, shop.tenant)
        exports.run_marketplace_csv_export(session, export_id)
    with shop.work() as session:
        done = exports.get_export(session, shop.tenant, store_id=shop.store_id, export_id=export_id)
        path = exports.export_file(
            session,
            shop.tenant,
            store_id=shop.store_id,
            export_id=export_id,
            name=done.files[0]["name"],
        )
    lines = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["sku"], r["item_group_id"], r["price"]) for r in lines] == [
        ("MUG", "", "12.50"),
        ("TEE-M", "TEE", "20.00"),
    ]
    assert lines[1]["variant_options"] == "size: M" and lines[0]["quantity"] == "5"


def test_old_exports_are_removed_with_their_files(shop):
    with shop.work() as session:
        row = exports.start_export(
            session, shop.tenant, store_id=shop.store_id, kind=ExportKind.marketplace_csv
        )
        export_id = row.id
    with shop.runtime.database.unit_of_work() as session:
        set_tenant(session, shop.tenant)
        exports.run_marketplace_csv_export(session, export_id)
    with shop.work() as session:
        done = exports.get_export(session, shop.tenant, store_id=shop.store_id, export_id=export_id)
        path = exports.export_file(
            session,
            shop.tenant,
            store_id=shop.store_id,
            export_id=export_id,
            name=done.files[0]["name"],
        )
        session.get(Export, export_id).created_at = utcnow() - timedelta(days=8)
    assert path.exists()
    with shop.runtime.database.unit_of_work() as session:
        assert exports.remove_old_exports(session) >= 1
    assert not path.exists()
    with shop.work() as session:
        assert exports.exports_listing(session, shop.tenant, store_id=shop.store_id).count == 0
