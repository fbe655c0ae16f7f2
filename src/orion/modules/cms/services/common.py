"""What the CMS services share: the store a call works on (per-language texts are the
kernel's: `orion.kernel.data.languages`)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.languages import DEFAULT_LANGUAGE, first_text, in_language
from orion.kernel.data.languages import without_empty as clean
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import StoreNotFound
from orion.modules.tenancy import services as tenancy

__all__ = ["DEFAULT_LANGUAGE", "clean", "first_text", "in_language", "store_of"]


def store_of(session: Session, tenant: TenantContext, store_id: uuid.UUID) -> StoreInfo:
    """The tenant's store (404 `store_not_found` for an unknown one or another tenant's)."""
    store = tenancy.stores.store(session, tenant, store_id)
    if store is None:
        raise StoreNotFound(f"store {store_id} does not exist")
    return store
