"""What the payments routes need, as Annotated dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import RequestWork, RequestWorkDep, require_permission

CanRead = Annotated[Principal, Depends(require_permission("payments.read"))]
CanManage = Annotated[Principal, Depends(require_permission("payments.manage"))]
CanRefund = Annotated[Principal, Depends(require_permission("payments.refund"))]
CanConfigure = Annotated[Principal, Depends(require_permission("payments.configure"))]


def released(work: RequestWorkDep) -> RequestWork:
    """Routes that call a provider: whatever the request read before the route ran (the
    principal on a cache miss, an operator's tenant, the storefront's store) is committed
    and closed first, so no transaction, and no SQLite write lock, is held while the
    provider answers. The services open their own short units of work."""
    if work.session is not None:
        work.close(None)
    return work


NoOpenTransaction = Annotated[RequestWork, Depends(released)]
