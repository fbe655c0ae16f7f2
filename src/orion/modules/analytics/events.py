"""The events analytics publishes: none. It listens to `orders.order_canceled` (after
commit) to take the canceled order's day out of the rollup until the next refresh."""

from __future__ import annotations
