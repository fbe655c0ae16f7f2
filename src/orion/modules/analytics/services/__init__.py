"""Analytics business logic: the reports and the rollup behind sales.

* `periods`: report ranges (422 naming the field), periods of days, averages;
* `sales`: sales per period (rollup + live), best-selling items, refunds;
* `stock`: stock value per location; `usage`: the tenant's usage;
* `rollups`: the nightly refresh and the cancellation handler; `export`: CSV;
* `demo`: the rollup refreshed for `orion demo`'s orders.

Functions take the session first, then the tenant they act for, then keyword-only options;
they flush, never commit. Every figure is summed by the database (GROUP BY) in the module
owning the rows, read through its services.
"""

from orion.modules.analytics.services.demo import seed_demo
from orion.modules.analytics.services.export import (
    refunds_csv,
    sales_csv,
    stock_value_csv,
    top_items_csv,
    usage_csv,
)
from orion.modules.analytics.services.periods import period_of, periods, report_range
from orion.modules.analytics.services.rollups import on_order_canceled, refresh, refresh_store
from orion.modules.analytics.services.sales import refunds_report, sales_report, top_items
from orion.modules.analytics.services.stock import stock_value
from orion.modules.analytics.services.usage import usage_report

__all__ = [
    "on_order_canceled",
    "period_of",
    "periods",
    "refresh",
    "refresh_store",
    "refunds_csv",
    "refunds_report",
    "report_range",
    "sales_csv",
    "sales_report",
    "seed_demo",
    "stock_value",
    "stock_value_csv",
    "top_items",
    "top_items_csv",
    "usage_csv",
    "usage_report",
]
