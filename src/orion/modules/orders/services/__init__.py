"""Orders business logic: placing orders, their state machine, shipments, returns,
refunds, invoices and credit notes. The public surface for other modules, with `schemas`
and `events`.

* `totals`: VAT per rate, discount and shipping (pure arithmetic);
* `states`: the transition table and the timeline;
* `placement`: the checkout's hot path (`place_order`);
* `steps`: confirm, record a payment, cancel, complete;
* `shipping`: fulfilments and returns; `refunds`: refunds and their credit notes;
* `invoices`: gapless numbering, immutable snapshots; `documents`: the PDFs;
* `reads`: orders, lists, timeline; `notifications`: the confirmation mail; `demo`.

Functions take the session first, then the tenant they act for, then keyword-only options;
they flush, never commit.
"""

from orion.modules.orders.exceptions import CartInvalid
from orion.modules.orders.services.carts import (
    ShopperCart,
    cart_public,
    checkout,
    find_cart,
    merge,
    open_cart,
    set_item,
)
from orion.modules.orders.services.demo import seed_demo
from orion.modules.orders.services.documents import render_pdf
from orion.modules.orders.services.figures import (
    DayRefunds,
    DaySales,
    ItemSales,
    daily_refunds,
    daily_sales,
    item_sales,
    placed_day,
)
from orion.modules.orders.services.invoices import (
    credit_notes_listing,
    document_number,
    get_credit_note,
    get_invoice,
    invoices_listing,
    issue_invoice,
    order_credit_notes,
    order_invoice,
)
from orion.modules.orders.services.notifications import send_confirmation
from orion.modules.orders.services.placement import (
    Placed,
    order_number,
    place_order,
    replayed_order,
)
from orion.modules.orders.services.reads import (
    OrderFilters,
    detail,
    find_by_number,
    get_order,
    order_detail,
    order_events,
    order_fulfillments,
    order_items,
    order_returns,
    orders_listing,
    orders_page,
)
from orion.modules.orders.services.refunds import refund
from orion.modules.orders.services.shipping import create_fulfillment, receive_return
from orion.modules.orders.services.states import TRANSITIONS, allowed
from orion.modules.orders.services.steps import cancel, complete, confirm, record_payment
from orion.modules.orders.services.storefront import (
    customer_orders,
    order_access_token,
    orders_of_customer,
    shop_order_public,
    storefront_order,
)
from orion.modules.orders.services.totals import Totals, compute, vat_in

__all__ = [
    "TRANSITIONS",
    "CartInvalid",
    "DayRefunds",
    "DaySales",
    "ItemSales",
    "OrderFilters",
    "Placed",
    "ShopperCart",
    "Totals",
    "allowed",
    "cancel",
    "cart_public",
    "checkout",
    "complete",
    "compute",
    "confirm",
    "create_fulfillment",
    "credit_notes_listing",
    "customer_orders",
    "daily_refunds",
    "daily_sales",
    "detail",
    "document_number",
    "find_by_number",
    "find_cart",
    "get_credit_note",
    "get_invoice",
    "get_order",
    "invoices_listing",
    "issue_invoice",
    "item_sales",
    "merge",
    "open_cart",
    "order_access_token",
    "order_credit_notes",
    "order_detail",
    "order_events",
    "order_fulfillments",
    "order_invoice",
    "order_items",
    "order_number",
    "order_returns",
    "orders_listing",
    "orders_of_customer",
    "orders_page",
    "place_order",
    "placed_day",
    "receive_return",
    "record_payment",
    "refund",
    "render_pdf",
    "replayed_order",
    "seed_demo",
    "send_confirmation",
    "set_item",
    "shop_order_public",
    "storefront_order",
    "vat_in",
]
