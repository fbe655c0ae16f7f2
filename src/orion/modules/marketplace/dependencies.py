"""What marketplace's routes need, as Annotated dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import require_permission

CanRead = Annotated[Principal, Depends(require_permission("marketplace.read"))]
CanManage = Annotated[Principal, Depends(require_permission("marketplace.manage"))]
