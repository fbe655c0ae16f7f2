"""Sign-in throttling: failed sign-ins counted per account (store and email) and per client
address, with the `limits` library as the kernel's storefront rate limit uses it: fixed
windows in Redis when the broker is Redis (every process of the deployment agrees, keys
under `broker_key_prefix`), else in this process (the embedded deployment is one process).

A guard, not a ledger: when Redis is unreachable, sign-in goes on unthrottled and the
failure is logged, rather than locking every customer out.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from orion.kernel.runtime import Runtime, runtime_of
from orion.kernel.runtime.limits import rate_limiter
from orion.modules.customers.services.common import customers_settings

log = structlog.get_logger(__name__)


def _limiter(runtime: Runtime) -> FixedWindowRateLimiter:
    return rate_limiter(runtime, "customers")


@dataclass(frozen=True, slots=True)
class _Limit:
    item: RateLimitItem
    keys: tuple[str, ...]


class SignInThrottle:
    """What the sign-in service asks: may this attempt go ahead; count a failure; forget
    an account's failures once it signs in."""

    def __init__(self, session: Session, store_id: uuid.UUID) -> None:
        settings = customers_settings(session)
        self.limiter = _limiter(runtime_of(session))
        self.store = str(store_id)
        window = settings.sign_in_window_seconds
        self.per_account = RateLimitItemPerSecond(
            settings.sign_in_failures_per_account, window, namespace="sign-in-account"
        )
        self.per_address = RateLimitItemPerSecond(
            settings.sign_in_failures_per_address, window, namespace="sign-in-address"
        )

    def _limits(self, email: str, address: str | None) -> list[_Limit]:
        limits = [_Limit(self.per_account, (self.store, email[:320]))]
        if address:
            limits.append(_Limit(self.per_address, (self.store, address[:100])))
        return limits

    def retry_after(self, email: str, address: str | None) -> int | None:
        """Seconds to wait when a limit is reached, else None."""
        waits = []
        try:
            for limit in self._limits(email, address):
                if not self.limiter.test(limit.item, *limit.keys):
                    reset = self.limiter.get_window_stats(limit.item, *limit.keys).reset_time
                    waits.append(max(1, math.ceil(reset - time.time())))
        except Exception:
            log.error("customer_sign_in_throttle_unavailable", exc_info=True)
            return None
        return max(waits) if waits else None

    def failed(self, email: str, address: str | None) -> None:
        try:
            for limit in self._limits(email, address):
                self.limiter.hit(limit.item, *limit.keys)
        except Exception:
            log.error("customer_sign_in_throttle_unavailable", exc_info=True)

    def succeeded(self, email: str) -> None:
        try:
            self.limiter.clear(self.per_account, self.store, email[:320])
        except Exception:
            log.error("customer_sign_in_throttle_unavailable", exc_info=True)
