"""What the customers routes need, as Annotated dependencies."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import require_permission
from orion.kernel.web.storefront import CurrentCustomer

CanRead = Annotated[Principal, Depends(require_permission("customers.read"))]
CanManage = Annotated[Principal, Depends(require_permission("customers.manage"))]


def customer_session(customer: CurrentCustomer) -> uuid.UUID | None:
    """The sign-in session of the customer's token (checked by `CurrentCustomer` already):
    what signing out ends, and what a password change keeps."""
    return customer.session_id


CustomerSessionId = Annotated[uuid.UUID | None, Depends(customer_session)]


def search_params(
    search: Annotated[
        str | None, Query(max_length=200, description="Part of the email or the name")
    ] = None,
    active: Annotated[bool | None, Query(description="Only active (or inactive) ones")] = None,
) -> dict[str, object]:
    return {"search": search or None, "active": active}


Search = Annotated[dict[str, object], Depends(search_params)]
