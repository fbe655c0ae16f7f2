"""Usage limits (the `usage_limits` extension point) and the deployment's rate limiters.

A module that sells plans (billing) provides an object with two methods:

    check(session, tenant, *, limit: str, current: int, adding: int = 1) -> None
    consume(session, tenant, *, counter: str, amount: int = 1) -> int

`check` is asked before a module creates countable things (`stores`, `products`): the
module counts what the tenant has (`current`) and the provider refuses, with an OrionError
naming the limit (402 `plan_limit_reached`), when `current + adding` would pass the plan's
maximum. `consume` adds to a per-period counter (`orders_per_month`) the provider keeps,
refusing the same way when the counter would pass its maximum; it returns the new count.

Modules call `check_limit` and `consume_counter` below and never import the provider: it
is optional. With no provider, or with the providing module off for the tenant, everything
fits. A caller that must not race (two stores created at once) serialises on a row of its
own before counting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from orion.kernel.contract.points import USAGE_LIMITS, UsageLimits
from orion.kernel.data.tenancy import TenantContext

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime


def _providers(session: Session, tenant: TenantContext) -> list[UsageLimits]:
    runtime = session.info["orion.runtime"]
    found = []
    for code, provider in runtime.registry.all_providers(USAGE_LIMITS):
        definition = runtime.registry.get(code)
        if definition.always_on or (
            tenant.platform_id is not None
            and runtime.modules.is_enabled(
                session, code, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
            )
        ):
            found.append(provider)
    return found


def check_limit(
    session: Session, tenant: TenantContext, limit: str, *, current: int, adding: int = 1
) -> None:
    """Refuse (the provider's OrionError) when `current + adding` passes the tenant's limit."""
    for provider in _providers(session, tenant):
        provider.check(session, tenant, limit=limit, current=current, adding=adding)


def consume_counter(
    session: Session, tenant: TenantContext, counter: str, *, amount: int = 1
) -> int | None:
    """Count `amount` more on a per-period counter; None when nobody counts it."""
    used = None
    for provider in _providers(session, tenant):
        used = provider.consume(session, tenant, counter=counter, amount=amount)
    return used


# -- rate limits (the `limits` library) --------------------------------------------------------


def rate_limiter(runtime: Runtime, namespace: str) -> FixedWindowRateLimiter:
    """The deployment's fixed-window rate limiter for `namespace` (one per runtime): counters
    in Redis when the broker is Redis, so every process of the deployment agrees (keys under
    `broker_key_prefix` + namespace), else in this process (the embedded deployment is one
    process). Callers treat it as a guard, not a ledger: when Redis is unreachable they let
    the request through and log it."""
    key = f"rate_limiter:{namespace}"
    limiter = runtime.extras.get(key)
    if limiter is None:
        settings = runtime.settings
        url = settings.broker_url or ""
        if url.startswith(("redis://", "rediss://")):
            prefix = f"{settings.broker_key_prefix}{namespace}"
            storage = storage_from_string(url, key_prefix=prefix)
        else:
            storage = storage_from_string("memory://")
        limiter = runtime.extras[key] = FixedWindowRateLimiter(storage)
    return limiter
