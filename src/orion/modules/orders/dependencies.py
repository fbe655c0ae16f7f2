"""What the orders routes need, as Annotated dependencies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import require_permission
from orion.modules.orders.schemas import OrderState
from orion.modules.orders.services import OrderFilters

CanRead = Annotated[Principal, Depends(require_permission("orders.read"))]
CanManage = Annotated[Principal, Depends(require_permission("orders.manage"))]
CanRefund = Annotated[Principal, Depends(require_permission("orders.refund"))]


def order_filters(
    state: Annotated[OrderState | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Placed at or after")] = None,
    until: Annotated[datetime | None, Query(description="Placed before")] = None,
    search: Annotated[
        str | None, Query(max_length=200, description="Part of the number or the email")
    ] = None,
) -> OrderFilters:
    return OrderFilters(
        state=state.value if state else None, since=since, until=until, search=search or None
    )


Filters = Annotated[OrderFilters, Depends(order_filters)]
