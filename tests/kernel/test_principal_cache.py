"""The principal cache: hits, bounds, lifetime, the credential's expiry, revocation marks
(in memory and in Redis), and that revocations wait for the commit. The request path that
uses it is tested in tests/modules/auth/test_cached_sign_in.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis

from orion.kernel.contract.principal import Principal
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime.principals import (
    Credential,
    LocalMarks,
    PrincipalCache,
    RedisMarks,
    revoke_after_commit,
)
from tests.conftest import BROKER_URL

TENANT = TenantContext(uuid.uuid4(), uuid.uuid4())


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def principal(user_id: uuid.UUID | None = None, tenant: TenantContext = TENANT) -> Principal:
    user_id = user_id or uuid.uuid4()
    return Principal(subject=f"user:{user_id}", user_id=user_id, tenant=tenant)


def cache_of(marks=None, *, size: int = 100, seconds: float = 60) -> tuple[PrincipalCache, Clock]:  # type: ignore[no-untyped-def]
    clock = Clock()
    return PrincipalCache(
        marks or LocalMarks(seconds), size=size, seconds=seconds, clock=clock
    ), clock


def remember(cache: PrincipalCache, key: bytes, who: Principal, **credential) -> None:  # type: ignore[no-untyped-def]
    entry = cache.put(key, cache.begin(), who, Credential(expires_at=None, **credential), {})
    assert entry is not None


def test_a_remembered_credential_is_answered_with_its_principal_and_state():
    cache, _ = cache_of()
    key = PrincipalCache.key("bearer", "Bearer secret-token", None)
    who = principal()
    cache.put(
        key,
        cache.begin(),
        who,
        Credential(expires_at=None, state={"auth_session_id": "family"}),
        {"enabled_modules": frozenset({"catalog"})},
    )

    entry = cache.get(key)

    assert entry is not None and entry.principal is who
    assert entry.state == {"auth_session_id": "family", "enabled_modules": frozenset({"catalog"})}
    assert cache.get(PrincipalCache.key("bearer", "Bearer other-token", None)) is None
    # The key is a digest: the plaintext credential is kept nowhere.
    assert b"secret-token" not in key and len(key) == 32


def test_the_cache_is_bounded_and_forgets_the_least_recently_used():
    cache, _ = cache_of(size=3)
    keys = [PrincipalCache.key(str(n)) for n in range(4)]
    for key in keys[:3]:
        remember(cache, key, principal())
    assert cache.get(keys[0]) is not None  # used: the least recent is now keys[1]

    remember(cache, keys[3], principal())

    assert len(cache) == 3
    assert cache.get(keys[1]) is None
    assert all(cache.get(key) is not None for key in (keys[0], keys[2], keys[3]))


def test_an_entry_lives_for_the_configured_seconds_at_most():
    cache, clock = cache_of(seconds=60)
    key = PrincipalCache.key("a")
    remember(cache, key, principal())
    clock.now += 59
    assert cache.get(key) is not None
    clock.now += 1
    assert cache.get(key) is None
    assert len(cache) == 0


def test_an_entry_never_outlives_its_credential():
    cache, clock = cache_of(seconds=60)
    key = PrincipalCache.key("a")
    expires = datetime.fromtimestamp(clock.now + 10, tz=UTC)
    cache.put(key, cache.begin(), principal(), Credential(expires_at=expires), {})
    clock.now += 9
    assert cache.get(key) is not None
    clock.now += 1
    assert cache.get(key) is None


def test_a_switched_off_cache_remembers_nothing():
    for size, seconds in ((0, 60), (100, 0)):
        cache, _ = cache_of(size=size, seconds=seconds)
        assert not cache.enabled
        assert cache.begin() is None
        assert cache.put(PrincipalCache.key("a"), None, principal(), Credential(None), {}) is None


def revocation_marks() -> list:  # type: ignore[type-arg]
    kinds = [pytest.param(lambda: LocalMarks(60), id="memory")]
    kinds.append(
        pytest.param(
            lambda: RedisMarks(Redis.from_url(BROKER_URL), prefix=f"test-{uuid.uuid4().hex}:"),
            id="redis",
            marks=pytest.mark.skipif(not BROKER_URL, reason="needs ORION_TEST_BROKER_URL"),
        )
    )
    return kinds


@pytest.mark.parametrize("make_marks", revocation_marks())
def test_revoking_a_user_tenant_or_platform_drops_what_depends_on_it(make_marks):
    cache, _ = cache_of(make_marks())
    other_tenant = TenantContext(uuid.uuid4(), uuid.uuid4())
    alice, bob, carol = principal(), principal(), principal(tenant=other_tenant)
    keys = {who.user_id: PrincipalCache.key(str(who.user_id)) for who in (alice, bob, carol)}
    for who in (alice, bob, carol):
        remember(cache, keys[who.user_id], who)

    cache.revoke([f"user:{alice.user_id}"])
    assert cache.get(keys[alice.user_id]) is None
    assert cache.get(keys[bob.user_id]) is not None  # another user of the same tenant

    cache.revoke([f"tenant:{TENANT.tenant_id}"])
    assert cache.get(keys[bob.user_id]) is None
    assert cache.get(keys[carol.user_id]) is not None

    cache.revoke([f"platform:{other_tenant.platform_id}"])
    assert cache.get(keys[carol.user_id]) is None


@pytest.mark.parametrize("make_marks", revocation_marks())
def test_what_was_read_while_something_was_revoked_is_not_remembered(make_marks):
    cache, _ = cache_of(make_marks())
    ticket = cache.begin()  # a miss: the marks are read before the database is
    cache.revoke([f"user:{uuid.uuid4()}"])  # any revocation in between, even another user's

    assert cache.put(PrincipalCache.key("a"), ticket, principal(), Credential(None), {}) is None


@pytest.mark.skipif(not BROKER_URL, reason="needs ORION_TEST_BROKER_URL")
def test_a_revocation_in_one_process_reaches_the_others_through_redis():
    prefix = f"test-{uuid.uuid4().hex}:"
    here, _ = cache_of(RedisMarks(Redis.from_url(BROKER_URL), prefix=prefix))
    there, _ = cache_of(RedisMarks(Redis.from_url(BROKER_URL), prefix=prefix))
    who, key = principal(), PrincipalCache.key("token")
    remember(there, key, who)

    here.revoke([f"user:{who.user_id}"])

    assert there.get(key) is None


def test_an_unreachable_redis_means_a_miss_never_a_stale_answer():
    cache, _ = cache_of()
    key = PrincipalCache.key("a")
    remember(cache, key, principal())
    # Nothing listens on port 9 (discard) of the loopback: every Redis call fails fast.
    cache.marks = RedisMarks(
        Redis(host="127.0.0.1", port=9, socket_connect_timeout=0.5), prefix="x:"
    )

    assert cache.get(key) is None
    assert cache.begin() is None


def test_a_touch_is_claimed_once_per_period():
    cache, _ = cache_of()
    key = PrincipalCache.key("token")
    now = datetime.now(UTC)
    touches: list[datetime] = []
    remember(
        cache,
        key,
        principal(),
        touch=lambda session, at: touches.append(at),
        touched_at=now,
        touch_seconds=60,
    )
    entry = cache.get(key)
    assert entry is not None
    assert not entry.claim_touch(now + timedelta(seconds=59))
    assert entry.claim_touch(now + timedelta(seconds=60))
    assert not entry.claim_touch(now + timedelta(seconds=61))  # claimed by one request


def test_revocations_are_sent_after_commit_and_never_on_rollback(runtime):
    user_id = uuid.uuid4()
    who = principal(user_id)
    key = PrincipalCache.key(f"rollback-{user_id}")
    remember(runtime.principals, key, who)

    with pytest.raises(RuntimeError), runtime.database.unit_of_work() as session:
        revoke_after_commit(session, users=[user_id])
        raise RuntimeError("rolled back")
    assert runtime.principals.get(key) is not None

    with runtime.database.unit_of_work() as session:
        revoke_after_commit(session, users=[user_id])
        assert runtime.principals.get(key) is not None  # not before the commit
    assert runtime.principals.get(key) is None
