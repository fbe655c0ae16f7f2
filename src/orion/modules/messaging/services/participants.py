"""Who takes part: a member of the tenant (staff side), a platform operator acting for the
tenant (operator side), or the customer of a customer conversation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from orion.kernel.contract.principal import Principal
from orion.kernel.data.tenancy import TenantContext
from orion.modules.messaging.models import CUSTOMER


@dataclass(frozen=True, slots=True)
class Participant:
    key: str  # "user:<id>" or "customer"
    side: str  # staff / operator / customer
    name: str
    user_id: uuid.UUID | None = None
    store_ids: frozenset[uuid.UUID] | None = None  # staff limited to some stores

    @property
    def is_operator(self) -> bool:
        return self.side == "operator"


def participant_of(principal: Principal, tenant: TenantContext, name: str = "") -> Participant:
    """The caller as a participant: an operator when acting for a tenant not their own."""
    key = principal.subject if principal.user_id is None else f"user:{principal.user_id}"
    acting_elsewhere = principal.tenant is None or principal.tenant.tenant_id != tenant.tenant_id
    side = "operator" if principal.is_superadmin and acting_elsewhere else "staff"
    return Participant(
        key=key,
        side=side,
        name=name or ("Platform team" if side == "operator" else "Staff"),
        user_id=principal.user_id,
        store_ids=None if side == "operator" else principal.store_ids,
    )


def customer(name: str | None) -> Participant:
    return Participant(key=CUSTOMER, side=CUSTOMER, name=name or "Customer")
