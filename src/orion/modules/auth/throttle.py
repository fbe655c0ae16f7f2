"""Sign-in throttling: failed attempts counted per account and per client address.

With a Redis broker (`redis://`), counters live in Redis (fixed windows, shared by every
process of the deployment, keys prefixed with `broker_key_prefix`); otherwise failures are
rows in `auth_login_failure` (a sliding window), written in the request's transaction,
which the sign-in route commits even though it answers 401.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import structlog
from redis.exceptions import RedisError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.runtime import Runtime, runtime_of
from orion.modules.auth.models import LoginFailure
from orion.modules.auth.settings import AuthSettings

if TYPE_CHECKING:
    from redis import Redis

log = structlog.get_logger(__name__)

_STORE = "auth.login_throttle"


@dataclass(frozen=True, slots=True)
class Limit:
    key: str  # "account:<email>" or "address:<ip>"
    allowed: int  # failures allowed within the window


class ThrottleStore(Protocol):
    window: int

    def retry_after(self, session: Session, limits: list[Limit]) -> int | None:
        """Seconds to wait when a limit is reached, else None."""
        ...

    def failed(self, session: Session, limits: list[Limit]) -> None: ...

    def forget(self, session: Session, key: str) -> None: ...


class DatabaseStore:
    def __init__(self, window: int) -> None:
        self.window = window

    def retry_after(self, session: Session, limits: list[Limit]) -> int | None:
        now = utcnow()
        since = now - timedelta(seconds=self.window)
        waits = []
        for limit in limits:
            # The `allowed`-th most recent failure in the window: once it leaves the window,
            # the count drops below the limit.
            oldest_counted = session.scalar(
                select(LoginFailure.created_at)
                .where(LoginFailure.key == limit.key, LoginFailure.created_at > since)
                .order_by(LoginFailure.created_at.desc())
                .offset(limit.allowed - 1)
                .limit(1)
            )
            if oldest_counted is not None:
                remaining = (oldest_counted - since).total_seconds()
                waits.append(max(1, math.ceil(remaining)))
        return max(waits) if waits else None

    def failed(self, session: Session, limits: list[Limit]) -> None:
        now = utcnow()
        since = now - timedelta(seconds=self.window)
        keys = [limit.key for limit in limits]
        session.execute(
            delete(LoginFailure).where(LoginFailure.key.in_(keys), LoginFailure.created_at <= since)
        )
        session.add_all(LoginFailure(key=key, created_at=now) for key in keys)
        session.flush()

    def forget(self, session: Session, key: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.key == key))


class RedisStore:
    def __init__(self, client: Redis, *, prefix: str, window: int) -> None:
        self.client = client
        self.prefix = prefix
        self.window = window

    def _key(self, key: str) -> str:
        return f"{self.prefix}auth:login_failures:{key}"

    # Throttling is a second line of defence: when Redis is unreachable, sign-in goes on
    # (unthrottled, loudly logged) rather than locking every user out.

    def retry_after(self, session: Session, limits: list[Limit]) -> int | None:
        waits = []
        try:
            pipe = self.client.pipeline(transaction=False)
            for limit in limits:
                key = self._key(limit.key)
                pipe.get(key)
                pipe.ttl(key)
            replies = pipe.execute()
        except RedisError:
            log.error("login_throttle_unavailable", exc_info=True)
            return None
        for limit, count, ttl in zip(limits, replies[::2], replies[1::2], strict=True):
            if int(count or 0) >= limit.allowed:
                waits.append(int(ttl) if int(ttl) > 0 else 1)
        return max(waits) if waits else None

    def failed(self, session: Session, limits: list[Limit]) -> None:
        pipe = self.client.pipeline()
        for limit in limits:
            key = self._key(limit.key)
            # The window starts at the first failure; later ones count within it.
            pipe.set(key, 0, ex=self.window, nx=True)
            pipe.incr(key)
        try:
            pipe.execute()
        except RedisError:
            log.error("login_throttle_unavailable", exc_info=True)

    def forget(self, session: Session, key: str) -> None:
        try:
            self.client.delete(self._key(key))
        except RedisError:
            log.error("login_throttle_unavailable", exc_info=True)


def auth_settings(runtime: Runtime) -> AuthSettings:
    cached = runtime.extras.get("auth.settings")
    if cached is None:
        cached = AuthSettings.model_validate(runtime.settings.modules.get("auth", {}))
        runtime.extras["auth.settings"] = cached
    return cached


def store_for(runtime: Runtime) -> ThrottleStore:
    store = runtime.extras.get(_STORE)
    if store is None:
        window = auth_settings(runtime).login_window_seconds
        url = runtime.settings.broker_url or ""
        if url.startswith(("redis://", "rediss://")):
            from redis import Redis

            client = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            store = RedisStore(client, prefix=runtime.settings.broker_key_prefix, window=window)
        else:
            store = DatabaseStore(window)
        runtime.extras[_STORE] = store
    return store


class LoginThrottle:
    """What the sign-in service asks: may this attempt go ahead; count a failure; forget."""

    def __init__(self, session: Session) -> None:
        runtime = runtime_of(session)
        self.session = session
        self.settings = auth_settings(runtime)
        self.store = store_for(runtime)

    def limits(self, email: str, address: str | None) -> list[Limit]:
        limits = [Limit(account_key(email), self.settings.login_failures_per_account)]
        if address:
            limits.append(
                Limit(f"address:{address[:100]}", self.settings.login_failures_per_address)
            )
        return limits

    def retry_after(self, email: str, address: str | None) -> int | None:
        return self.store.retry_after(self.session, self.limits(email, address))

    def failed(self, email: str, address: str | None) -> None:
        self.store.failed(self.session, self.limits(email, address))

    def succeeded(self, email: str) -> None:
        self.store.forget(self.session, account_key(email))


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()[:320]}"
