"""Inventory business logic: locations, levels, the ledger, reservations. Inventory's
public surface, with `schemas` and `events`.

Functions take the session first, then the tenant they act for, then keyword-only options;
they flush, never commit. Every change of a level goes through `ledger.apply` (one ledger
row per change, under the levels' row locks taken in level-id order) and ends with
`catalog.services.record_stock` for the items touched.

    receive / adjust / transfer(session, tenant, *, store_id, data, idempotency_key=None)
    reserve(session, tenant, *, store_id, reference, lines)       # orders.order_placed
    release(session, tenant, *, store_id, reference)              # orders.order_canceled
    fulfil / restock(session, tenant, *, store_id, reference, lines)
    release_expired(session)                                      # the every-minute task
    verify(session, tenant=None) -> VerifyReport                  # `orion inventory verify`
"""

from orion.modules.inventory.services.common import order_reference
from orion.modules.inventory.services.demo import seed_demo
from orion.modules.inventory.services.figures import OnHand, on_hand_by_location
from orion.modules.inventory.services.locations import (
    create_location,
    delete_location,
    get_location,
    get_settings,
    list_locations,
    locations_listing,
    update_location,
    update_settings,
)
from orion.modules.inventory.services.movements import adjust, receive, transfer
from orion.modules.inventory.services.reads import (
    get_level,
    levels_listing,
    reservations_listing,
    transactions_listing,
    update_level,
    verify,
)
from orion.modules.inventory.services.reservations import (
    fulfil,
    on_fulfillment_created,
    on_order_canceled,
    on_order_paid,
    on_order_placed,
    on_return_received,
    release,
    release_expired,
    reserve,
    restock,
)

__all__ = [
    "OnHand",
    "adjust",
    "create_location",
    "delete_location",
    "fulfil",
    "get_level",
    "get_location",
    "get_settings",
    "levels_listing",
    "list_locations",
    "locations_listing",
    "on_fulfillment_created",
    "on_hand_by_location",
    "on_order_canceled",
    "on_order_paid",
    "on_order_placed",
    "on_return_received",
    "order_reference",
    "receive",
    "release",
    "release_expired",
    "reservations_listing",
    "reserve",
    "restock",
    "seed_demo",
    "transactions_listing",
    "transfer",
    "update_level",
    "update_location",
    "update_settings",
    "verify",
]
