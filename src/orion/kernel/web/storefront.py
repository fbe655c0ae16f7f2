"""The storefront: public routes of one store, and its signed-in customers.

A module's `public` router (at `/api/v1/public/<code>`) serves a store's shoppers under
`/stores/{store_id}/...`. `StorefrontDep` finds the store across tenants (any tenant's
store is public by its id), answers 404 `store_not_found` for an unknown or inactive
store or when the route's module is off for the store's tenant, counts the request against
the client address's per-store rate limit, and scopes the request's session to the store's
tenant: from then on the same tenant-filtered services serve the shopper.

Customers sign in with a bearer token that the `storefront_customers` provider (the
customers module) turns into a `CustomerRef` of this store; `OptionalCustomer` is None
without a token, `CurrentCustomer` answers 401 instead. A token that is not this store's
customer's (a staff token, another store's customer, a signed-out session) is refused,
never taken for an anonymous shopper.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import Depends, Path, Request
from limits import RateLimitItemPerMinute
from sqlalchemy.orm import Session

from orion.kernel.contract.points import (
    STORE_DIRECTORY,
    STOREFRONT_CUSTOMERS,
    CustomerRef,
    StoreInfo,
)
from orion.kernel.data.tenancy import TenantContext, all_tenants, set_tenant
from orion.kernel.errors import OrionError, StoreNotFound, TooManyRequests, Unauthenticated
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.limits import rate_limiter
from orion.kernel.web.dependencies import ACTING_TENANT, RuntimeDep, SessionDep

log = structlog.get_logger(__name__)

__all__ = [
    "CurrentCustomer",
    "CustomerRef",
    "OptionalCustomer",
    "Storefront",
    "StorefrontDep",
    "client_address",
]


@dataclass(frozen=True, slots=True)
class Storefront:
    """The store a public route serves, and the tenant its session acts for."""

    store: StoreInfo
    tenant: TenantContext


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (run the server with its proxy-headers
    option behind a proxy, so that this is the client's)."""
    return request.client.host if request.client else "unknown"


class StorefrontLimiter:
    """Requests per minute per client address and store: fixed windows in Redis when the
    broker is Redis (every process agrees), else in this process. A guard, not a ledger:
    when Redis is unreachable requests go on, loudly logged."""

    def __init__(self, runtime: Runtime) -> None:
        self.per_minute = runtime.settings.storefront_requests_per_minute
        self._limiter = rate_limiter(runtime, "storefront")

    @classmethod
    def of(cls, runtime: Runtime) -> StorefrontLimiter:
        limiter = runtime.extras.get("storefront_limiter")
        if limiter is None:
            limiter = runtime.extras["storefront_limiter"] = cls(runtime)
        return limiter

    def admit(self, store_id: uuid.UUID, address: str) -> None:
        if self.per_minute <= 0:
            return
        item = RateLimitItemPerMinute(self.per_minute, namespace="storefront")
        try:
            if self._limiter.hit(item, str(store_id), address):
                return
            reset = self._limiter.get_window_stats(item, str(store_id), address).reset_time
        except Exception:
            log.error("storefront_rate_limit_unavailable", exc_info=True)
            return
        wait = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(
            f"too many requests to this store: {self.per_minute} per minute; retry in {wait} s",
            retry_after=wait,
            code="storefront_rate_limited",
        )


def find_storefront(
    session: Session, runtime: Runtime, store_id: uuid.UUID, *, module: str | None
) -> Storefront:
    """The store `store_id` of any tenant, if it is open and `module` is on for its tenant;
    404 `store_not_found` otherwise (which of these it was does not leak)."""
    directory = runtime.registry.provider(STORE_DIRECTORY)
    store = directory.public_store(session, store_id) if directory is not None else None
    if store is None or not store.is_active:
        raise StoreNotFound(f"store {store_id} does not exist")
    try:
        tenant = runtime.tenant_context(session, store.tenant_id)
    except OrionError:
        raise StoreNotFound(f"store {store_id} does not exist") from None
    if module is not None and not runtime.registry.get(module).always_on:
        if tenant.platform_id is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        with all_tenants(session):
            enabled = runtime.modules.is_enabled(
                session, module, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
            )
        if not enabled:
            raise StoreNotFound(f"store {store_id} does not exist")
    return Storefront(store=store, tenant=tenant)


def storefront(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    store_id: Annotated[uuid.UUID, Path(description="The store whose storefront this is")],
) -> Storefront:
    StorefrontLimiter.of(runtime).admit(store_id, client_address(request))
    shop = find_storefront(
        session, runtime, store_id, module=getattr(request.state, "module", None)
    )
    setattr(request.state, ACTING_TENANT, shop.tenant)
    set_tenant(session, shop.tenant)
    structlog.contextvars.bind_contextvars(tenant=str(shop.tenant.tenant_id))
    return shop


StorefrontDep = Annotated[Storefront, Depends(storefront)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "send the customer's token as 'Authorization: Bearer <token>'",
            code="customer_token_invalid",
        )
    return token.strip()


def optional_customer(
    request: Request, session: SessionDep, runtime: RuntimeDep, shop: StorefrontDep
) -> CustomerRef | None:
    token = _bearer(request)
    if token is None:
        return None
    authenticate: Any = runtime.registry.provider(STOREFRONT_CUSTOMERS)
    customer = authenticate(session, shop.store, token) if authenticate is not None else None
    if customer is None or customer.store_id != shop.store.id:
        raise Unauthenticated(
            "this token does not sign in a customer of this store", code="customer_token_invalid"
        )
    return customer


OptionalCustomer = Annotated[CustomerRef | None, Depends(optional_customer)]


def current_customer(customer: OptionalCustomer) -> CustomerRef:
    if customer is None:
        raise Unauthenticated(
            "sign in as a customer of this store first", code="customer_sign_in_required"
        )
    return customer


CurrentCustomer = Annotated[CustomerRef, Depends(current_customer)]
