"""Requests and tokens per minute, per tenant and per access token (the `limits` library).

Counters are fixed one-minute windows in Redis when the broker is Redis (shared by every
process of the deployment), else in this process's memory (the embedded single-process
set-up). A request counts when it is let through; its tokens count when it ends (the
provider's figure), so a tenant over its tokens per minute is refused until the window
turns. Rate limiting is a guard, not the ledger: when Redis is unreachable calls go on,
loudly logged; credits still bound what a tenant can spend.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from orion.modules.ai_proxy.exceptions import RateLimited

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    requests_per_minute: int
    tokens_per_minute: int
    token_requests_per_minute: int
    token_tokens_per_minute: int


class RateLimiter:
    def __init__(self, url: str | None, *, prefix: str) -> None:
        if url and url.startswith(("redis://", "rediss://")):
            storage = storage_from_string(url, key_prefix=f"{prefix}ai_proxy")
        else:
            storage = storage_from_string("memory://")
        self.limiter = FixedWindowRateLimiter(storage)

    def admit(self, limits: Limits, *, tenant: str, principal: str) -> None:
        """Count the request, or refuse it (429 with Retry-After) when a window is full."""
        checks = [
            (limits.requests_per_minute, "requests", ("tenant", tenant), "requests per minute"),
            (limits.tokens_per_minute, "tokens", ("tenant", tenant), "tokens per minute"),
            (
                limits.token_requests_per_minute,
                "requests",
                ("principal", principal),
                "requests per minute for this access token",
            ),
            (
                limits.token_tokens_per_minute,
                "tokens",
                ("principal", principal),
                "tokens per minute for this access token",
            ),
        ]
        try:
            for amount, unit, who, label in checks:
                if amount <= 0:
                    continue
                item = RateLimitItemPerMinute(amount, namespace=unit)
                # Requests count as they arrive; tokens were counted as calls ended.
                allowed = (
                    self.limiter.hit(item, *who)
                    if unit == "requests"
                    else self.limiter.test(item, *who)
                )
                if not allowed:
                    reset = self.limiter.get_window_stats(item, *who).reset_time
                    wait = max(1, math.ceil(reset - time.time()))
                    raise RateLimited(
                        f"rate limit reached: {amount} {label}; retry in {wait} s",
                        retry_after=wait,
                        limit=label,
                    )
        except RateLimited:
            raise
        except Exception:
            log.error("ai_rate_limit_unavailable", exc_info=True)

    def spent(self, limits: Limits, *, tenant: str, principal: str, tokens: int) -> None:
        """Count a finished call's tokens in the windows."""
        if tokens <= 0:
            return
        try:
            if limits.tokens_per_minute > 0:
                item = RateLimitItemPerMinute(limits.tokens_per_minute, namespace="tokens")
                self.limiter.hit(item, "tenant", tenant, cost=tokens)
            if limits.token_tokens_per_minute > 0:
                item = RateLimitItemPerMinute(limits.token_tokens_per_minute, namespace="tokens")
                self.limiter.hit(item, "principal", principal, cost=tokens)
        except Exception:
            log.error("ai_rate_limit_unavailable", exc_info=True)
