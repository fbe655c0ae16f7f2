"""A server whose request threads are all taken keeps answering: an endpoint that has
finished needs no second request thread before its unit of work commits and lets go of
its locks (a lock every waiting request wants, as the next invoice number is).

PostgreSQL: there the lock is taken in the endpoint. SQLite's embedded default takes its
write lock with a transaction's first statement, which authentication may run on an
earlier thread; its writers are one at a time anyway."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread
import pytest

from tests.conftest import PG_URL
from tests.helpers import tenant_headers

pytestmark = pytest.mark.skipif(not PG_URL, reason="row locks taken in the endpoint: PostgreSQL")

THREADS = 2  # request threads: fewer than the requests waiting for the lock


@pytest.fixture
def few_request_threads(client):  # type: ignore[no-untyped-def]
    limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
    saved = limiter.total_tokens
    client.portal.call(setattr, limiter, "total_tokens", THREADS)
    yield
    client.portal.call(setattr, limiter, "total_tokens", saved)


def test_writers_waiting_for_a_lock_do_not_stall_the_one_holding_it(
    client, make_tenant, enable, few_request_threads
):
    tenant = make_tenant()
    enable("widgets")
    headers = tenant_headers(tenant)
    client.get("/api/v1/widgets/widgets", headers=headers)  # routes loaded, principal cached

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda n: client.post(
                    "/api/v1/widgets/widgets/one-at-a-time",
                    json={"name": f"w{n}"},
                    headers=headers,
                ),
                range(8),
            )
        )
    assert [a.status_code for a in answers] == [201] * 8
    # Stalled, the server would wait forever (PostgreSQL's lock waits have no timeout).
    assert time.monotonic() - started < 15
    listed = client.get("/api/v1/widgets/widgets", headers=headers).json()
    assert listed["count"] == 8
