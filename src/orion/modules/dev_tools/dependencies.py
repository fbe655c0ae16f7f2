"""What dev_tools' routes and pages need: a superadmin, and the module switched on.

`Superadmin` answers 404 (not 401 or 403) to everyone else, so that the routes' existence
does not leak; also to superadmins when the deployment switched dev_tools off
(`ORION_MODULES__DEV_TOOLS__ENABLED=false`). The kernel's own guard of the `admin` and
`console_admin` mounts runs before it (see docs/dev-tools.md)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from orion.kernel.contract.principal import Principal
from orion.kernel.errors import NotFound
from orion.kernel.web.dependencies import OptionalPrincipal, PlatformId
from orion.modules.dev_tools.services import is_enabled


async def require_superadmin(request: Request, principal: OptionalPrincipal) -> Principal:
    if principal is None or not principal.is_superadmin:
        raise NotFound("no such page")
    if not is_enabled(request.app.state.runtime):
        raise NotFound("no such page")
    return principal


Superadmin = Annotated[Principal, Depends(require_superadmin)]
GUARD = [Depends(require_superadmin)]
Platform = PlatformId


def user_of(principal: Principal) -> uuid.UUID | None:
    return principal.user_id
