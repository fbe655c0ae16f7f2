"""What messaging's routes need, as Annotated dependencies: the caller as a participant,
or as a platform operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from orion.kernel.contract.principal import Principal
from orion.kernel.errors import PermissionDenied
from orion.kernel.web.dependencies import CurrentTenant, PlatformAdmin, require_permission
from orion.modules.messaging.services import Participant, participant_of

CanRead = Annotated[Principal, Depends(require_permission("messaging.read"))]
CanWrite = Annotated[Principal, Depends(require_permission("messaging.write"))]


def reader(principal: CanRead, tenant: CurrentTenant) -> Participant:
    return participant_of(principal, tenant)


def writer(principal: CanWrite, tenant: CurrentTenant) -> Participant:
    return participant_of(principal, tenant)


def user(principal: CanRead) -> Principal:
    """A signed-in user (notifications and preferences are a user's own)."""
    if principal.user_id is None:
        raise PermissionDenied("notifications belong to users; sign in as one")
    return principal


Reader = Annotated[Participant, Depends(reader)]
Writer = Annotated[Participant, Depends(writer)]
User = Annotated[Principal, Depends(user)]


def operator(principal: PlatformAdmin) -> Principal:
    """A platform operator signed in as a user (notifications are an operator's own)."""
    if principal.user_id is None:
        raise PermissionDenied("operators' notifications belong to users; sign in as one")
    return principal


Operator = Annotated[Principal, Depends(operator)]
