"""Verified credentials remembered per process, and the revocation signal that drops them.

Every authenticated request used to read the database to learn who is calling (token, user,
membership, enabled modules). The `PrincipalCache` remembers what a verified credential
resolved to, keyed by a hash of the credential (never the plaintext), bounded (LRU) and for
a short time (`principal_cache_seconds`) as a safety net; an entry never outlives the
credential's own expiry, and only successes are remembered.

Revocation is strict across processes through *revocation marks*: a change that takes
rights away (a revoked token, an ended sign-in session, a removed member, a changed role, a
disabled module, a deleted tenant) calls `revoke_after_commit(session, users=..., ...)`;
once its transaction commits, a fresh random mark is written for each user, tenant and
platform it affects. An entry holds the marks it saw when it was made and is trusted only
while they are unchanged: one Redis MGET per request (`broker_url` redis://, shared by every
process), or a dictionary in memory on the embedded default (one process).

An entry made from a database read that raced with a revocation would carry the new mark
and stale data; so a global mark (`sequence`) is read before the database is, and the entry
is kept only if no revocation at all happened in between.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from orion.kernel.contract.principal import Principal
from orion.kernel.data.db import after_commit

if TYPE_CHECKING:
    from redis import Redis
    from sqlalchemy.orm import Session

    from orion.settings import OrionSettings

log = structlog.get_logger(__name__)

CREDENTIAL_STATE = "orion_credential"  # request.state: what the authenticator verified
SEQUENCE = "sequence"  # the mark every revocation changes
# A mark must outlive every entry that may hold the value it replaced (entries live for
# at most the cache's seconds); a day is far beyond any sensible setting.
MARK_SECONDS = 86_400
Marks = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class Credential:
    """What an authenticator tells the kernel about a credential it has just verified, so
    the same credential can be answered from memory (`remember_credential`)."""

    expires_at: datetime | None  # when the credential stops being valid by itself
    state: Mapping[str, Any] = field(default_factory=dict)  # request.state it set
    # Record a use (an access token's `last_used_at`) through the request's unit of work,
    # at most every `touch_seconds`; `touched_at` is when the database last recorded one.
    touch: Callable[[Session, datetime], None] | None = None
    touched_at: datetime | None = None
    touch_seconds: float = 60.0


def remember_credential(connection: Any, credential: Credential) -> None:
    """Called by an authenticator that lets the kernel cache what it answered; one that
    never calls it is asked again on every request."""
    setattr(connection.state, CREDENTIAL_STATE, credential)


@dataclass(slots=True)
class CachedPrincipal:
    principal: Principal
    state: dict[str, Any]  # request.state attributes to set again on a hit
    scopes: tuple[str, ...]  # the revocation marks it depends on
    marks: Marks
    deadline: float  # the cache's clock: TTL and the credential's expiry, whichever first
    touch: Callable[[Session, datetime], None] | None
    touched_at: datetime | None
    touch_seconds: float

    def claim_touch(self, now: datetime) -> bool:
        """True (once per period, for one request) when a use is due to be recorded."""
        if self.touch is None:
            return False
        if self.touched_at is not None and (now - self.touched_at).total_seconds() < (
            self.touch_seconds
        ):
            return False
        self.touched_at = now
        return True


class RevocationMarks(Protocol):
    def read(self, scopes: Sequence[str]) -> Marks: ...

    def write(self, scopes: Sequence[str]) -> None: ...


class LocalMarks:
    """Marks in this process's memory: the embedded default, where one process serves."""

    def __init__(self, keep_seconds: float) -> None:
        self._marks: dict[str, tuple[str, float]] = {}
        self._keep = max(keep_seconds * 2, 1.0)
        self._lock = threading.Lock()

    def read(self, scopes: Sequence[str]) -> Marks:
        marks = self._marks
        return tuple(marks[s][0] if s in marks else None for s in scopes)

    def write(self, scopes: Sequence[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for scope in (*scopes, SEQUENCE):
                self._marks[scope] = (secrets.token_hex(8), now)
            if len(self._marks) > 10_000:
                # Entries older than the cache's lifetime cannot hold a replaced mark.
                stale = [k for k, (_, at) in self._marks.items() if now - at > self._keep]
                for key in stale:
                    if key != SEQUENCE:
                        del self._marks[key]


class RedisMarks:
    """Marks in Redis, shared by every server process: one MGET per request."""

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self._client = client
        self._prefix = f"{prefix}orion:revocation:"

    def read(self, scopes: Sequence[str]) -> Marks:
        values = self._client.mget([self._prefix + s for s in scopes])
        return tuple(v.decode() if isinstance(v, bytes) else v for v in values)

    def write(self, scopes: Sequence[str]) -> None:
        # One transaction: a reader sees the scopes' marks and the sequence change together.
        pipe = self._client.pipeline(transaction=True)
        for scope in (*scopes, SEQUENCE):
            pipe.set(self._prefix + scope, secrets.token_hex(8), ex=MARK_SECONDS)
        pipe.execute()


@dataclass(frozen=True, slots=True)
class Ticket:
    """The sequence mark read before the database was: `put` keeps the entry only if no
    revocation happened since."""

    sequence: str | None


def scopes_of(principal: Principal) -> tuple[str, ...]:
    scopes = []
    if principal.user_id is not None:
        scopes.append(f"user:{principal.user_id}")
    if principal.tenant is not None:
        scopes.append(f"tenant:{principal.tenant.tenant_id}")
        if principal.tenant.platform_id is not None:
            scopes.append(f"platform:{principal.tenant.platform_id}")
    return tuple(scopes)


class PrincipalCache:
    def __init__(
        self,
        marks: RevocationMarks,
        *,
        size: int = 4096,
        seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.marks = marks
        self.size = size
        self.seconds = seconds
        self.clock = clock  # wall-clock seconds: credentials expire in wall-clock time
        self._entries: OrderedDict[bytes, CachedPrincipal] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.size > 0 and self.seconds > 0

    @staticmethod
    def key(*parts: str | None) -> bytes:
        """A digest of the credential and what else decides the answer (never plaintext)."""
        digest = hashlib.sha256()
        for part in parts:
            digest.update(b"\x00" if part is None else b"\x01" + part.encode() + b"\x00")
        return digest.digest()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> CachedPrincipal | None:
        """The entry for `key` if it is fresh and nothing it depends on was revoked. A
        revocation store that cannot answer means a miss, never a stale answer."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.clock() >= entry.deadline:
            self._drop(key, entry)
            return None
        try:
            current = self.marks.read(entry.scopes)
        except Exception:
            log.warning("revocation_marks_unreadable", exc_info=True)
            return None
        if current != entry.marks:
            self._drop(key, entry)
            return None
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
        return entry

    def begin(self) -> Ticket | None:
        """Before reading the database for a miss; None: do not cache what is read."""
        if not self.enabled:
            return None
        try:
            return Ticket(self.marks.read((SEQUENCE,))[0])
        except Exception:
            log.warning("revocation_marks_unreadable", exc_info=True)
            return None

    def put(
        self,
        key: bytes,
        ticket: Ticket | None,
        principal: Principal,
        credential: Credential,
        state: Mapping[str, Any],
    ) -> CachedPrincipal | None:
        if ticket is None:
            return None
        scopes = scopes_of(principal)
        try:
            sequence, *marks = self.marks.read((SEQUENCE, *scopes))
        except Exception:
            log.warning("revocation_marks_unreadable", exc_info=True)
            return None
        if sequence != ticket.sequence:
            return None  # something was revoked while we read: what we read may be stale
        deadline = self.clock() + self.seconds
        if credential.expires_at is not None:
            deadline = min(deadline, credential.expires_at.timestamp())
        entry = CachedPrincipal(
            principal=principal,
            state={**state, **credential.state},
            scopes=scopes,
            marks=tuple(marks),
            deadline=deadline,
            touch=credential.touch,
            touched_at=credential.touched_at,
            touch_seconds=credential.touch_seconds,
        )
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def revoke(self, scopes: Iterable[str]) -> None:
        """Change the marks of `scopes`: every process drops the entries depending on them."""
        scopes = tuple(dict.fromkeys(scopes))
        if not scopes:
            return
        self.marks.write(scopes)
        log.info("principals_revoked", scopes=list(scopes))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop(self, key: bytes, entry: CachedPrincipal) -> None:
        with self._lock:
            if self._entries.get(key) is entry:
                del self._entries[key]


def build_principal_cache(settings: OrionSettings) -> PrincipalCache:
    url = settings.broker_url or ""
    marks: RevocationMarks
    if url.startswith(("redis://", "rediss://")):
        from redis import Redis

        # Short timeouts: a request waits on this before it is served.
        client = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        marks = RedisMarks(client, prefix=settings.broker_key_prefix)
    else:
        marks = LocalMarks(settings.principal_cache_seconds)
    return PrincipalCache(
        marks, size=settings.principal_cache_size, seconds=settings.principal_cache_seconds
    )


def revoke_after_commit(
    session: Session,
    *,
    users: Iterable[uuid.UUID | None] = (),
    tenants: Iterable[uuid.UUID | None] = (),
    platforms: Iterable[uuid.UUID | None] = (),
) -> None:
    """Once the session's transaction commits (never before, never on rollback), drop what
    every process remembers about these users, tenants and platforms."""
    runtime = session.info.get("orion.runtime")
    if runtime is None:
        return
    scopes = [
        *(f"user:{u}" for u in users if u is not None),
        *(f"tenant:{t}" for t in tenants if t is not None),
        *(f"platform:{p}" for p in platforms if p is not None),
    ]
    if scopes:
        after_commit(session, lambda: runtime.principals.revoke(scopes))


__all__ = [
    "CREDENTIAL_STATE",
    "CachedPrincipal",
    "Credential",
    "LocalMarks",
    "PrincipalCache",
    "RedisMarks",
    "Ticket",
    "build_principal_cache",
    "remember_credential",
    "revoke_after_commit",
]
