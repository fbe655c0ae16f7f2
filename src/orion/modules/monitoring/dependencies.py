"""What monitoring's routes and pages need: a platform operator (superadmin).

The kernel's guard of an internal module's `admin` and `console_admin` mounts already
answers 404 to everyone else; `Operator` gives the routes who is acting (acknowledgements,
threshold changes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from orion.kernel.contract.principal import Principal
from orion.kernel.errors import NotFound
from orion.kernel.web.dependencies import OptionalPrincipal


async def require_operator(principal: OptionalPrincipal) -> Principal:
    if principal is None or not principal.is_superadmin:
        raise NotFound("no such page")
    return principal


Operator = Annotated[Principal, Depends(require_operator)]
GUARD = [Depends(require_operator)]
