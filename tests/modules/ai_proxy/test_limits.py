"""Rate limits per tenant and per access token, a client that leaves mid-stream, a provider
that does not answer, and many calls at once against a balance that cannot pay them all:
on a real socket (uvicorn) where it matters."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import httpx
import pytest

from orion.kernel.data.tenancy import set_tenant
from orion.modules.ai_proxy import service
from orion.modules.ai_proxy.exceptions import RateLimited
from orion.modules.ai_proxy.gateway import gateway_of
from orion.modules.ai_proxy.ratelimit import Limits, RateLimiter
from orion.modules.ai_proxy.schemas import AiTenantLimitsUpdate
from tests.modules.ai_proxy.conftest import CHAT, served

MESSAGES = [{"role": "user", "content": "hello there"}]


def set_limits(gateway, **limits) -> None:  # type: ignore[no-untyped-def]
    with gateway.runtime.database.unit_of_work() as session:
        set_tenant(session, gateway.tenant)
        service.set_limits(session, gateway.tenant, data=AiTenantLimitsUpdate(**limits))


def test_requests_over_the_tenants_limit_get_429_with_retry_after(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(1000)
    set_limits(gateway, requests_per_minute=2)

    answers = [gateway.chat(max_tokens=1) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[2]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "rate_limit_error"
    assert len(gateway.upstream.calls()) == 2
    assert len(gateway.holds()) == 2, "a refused call holds nothing"


def test_tokens_spent_count_against_the_tokens_per_minute(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(1000)
    set_limits(gateway, tokens_per_minute=20)

    first = gateway.chat(max_tokens=10)  # 13 tokens: under 20
    second = gateway.chat(max_tokens=10)  # admitted (13 < 20), takes the window to 26
    third = gateway.chat(max_tokens=10)

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert "tokens per minute" in third.json()["error"]["message"]


def test_each_access_token_has_its_own_request_limit(gateway, login, make_member):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(1000)
    set_limits(gateway, token_requests_per_minute=1)
    user, password = make_member(gateway.tenant, "tenant_admin")
    headers = login(user.email, password, tenant_id=gateway.tenant.tenant_id)
    other = gateway.client.post(
        "/api/v1/auth/tokens", json={"name": "b", "scopes": ["ai_proxy.use"]}, headers=headers
    ).json()["token"]

    body = {"model": "chat-a", "messages": MESSAGES, "max_tokens": 1}
    mine = [gateway.chat(max_tokens=1).status_code for _ in range(2)]
    theirs = gateway.client.post(CHAT, json=body, headers={"Authorization": f"Bearer {other}"})

    assert mine == [200, 429]
    assert theirs.status_code == 200


def test_the_tenant_reads_its_limits_and_an_operator_sets_them(gateway, operator_headers):
    tenant = gateway.tenant.tenant_id
    url = f"/api/v1/admin/ai_proxy/tenants/{tenant}/limits"

    put = gateway.client.put(url, json={"requests_per_minute": 7}, headers=operator_headers)
    refused = gateway.client.put(url, json={"tokens_per_minute": -1}, headers=operator_headers)
    read = gateway.client.get("/api/v1/ai_proxy/limits", headers=gateway.headers)

    assert put.status_code == 200 and put.json()["requests_per_minute"] == 7
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "tokens_per_minute"
    assert read.json()["requests_per_minute"] == 7
    assert read.json()["tokens_per_minute"] == 2_000_000  # the default


# -- on a real socket ---------------------------------------------------------------------------


def test_a_client_that_leaves_mid_stream_is_billed_for_what_the_provider_produced(
    gateway, live_url
):
    gateway.model("chat-slow")  # 0.2 s between words
    gateway.tenant_key()
    gateway.fund(100)
    body = {"model": "chat-slow", "messages": MESSAGES, "max_tokens": 10, "stream": True}

    client = httpx.Client(base_url=live_url, timeout=30)
    with client, client.stream("POST", CHAT, json=body, headers=gateway.headers) as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        received = [line for line, _ in zip(lines, range(4), strict=False)]
    # Leaving the block closed the connection after a few chunks.

    assert len(received) == 4
    [usage] = gateway.wait_for_usage(1, timeout=15)
    assert usage.status == "disconnected"
    # The provider finished the answer; its usage is what is charged.
    assert (usage.input_tokens, usage.output_tokens, usage.cost) == (3, 10, 23)
    assert not usage.usage_estimated
    assert gateway.balance() == 77 and gateway.ledger_is_exact()


def test_a_server_stopping_finishes_and_bills_the_streams_it_is_still_reading(gateway, runtime):
    from orion.app import create_app

    gateway.model("chat-slow")  # 0.2 s between words: two seconds for the answer
    gateway.tenant_key()
    gateway.fund(100)
    app = create_app(runtime=runtime, embedded_worker=False)
    body = {"model": "chat-slow", "messages": MESSAGES, "max_tokens": 10, "stream": True}
    with served(app, lifespan="on") as (url, server, thread):
        with (
            httpx.Client(base_url=url, timeout=30) as client,
            client.stream("POST", CHAT, json=body, headers=gateway.headers) as answer,
        ):
            assert [line for line, _ in zip(answer.iter_lines(), range(2), strict=False)]

        server.should_exit = True  # as on SIGTERM, while the provider is still answering
        thread.join(timeout=30)

    assert not thread.is_alive()
    [usage] = gateway.usage()  # settled before the server stopped: no waiting here
    assert (usage.status, usage.output_tokens, usage.cost) == ("disconnected", 10, 23)
    assert gateway.balance() == 77 and gateway.ledger_is_exact()


def test_a_provider_that_does_not_answer_in_time_is_a_504_and_costs_nothing(gateway):
    gateway.model("chat-hang")
    gateway.tenant_key()
    gateway.fund(100)
    proxy = gateway_of(gateway.runtime)
    kept = proxy.settings
    proxy.settings = kept.model_copy(update={"read_timeout_seconds": 0.5, "retries": 0})
    proxy._clients.clear()  # the timeout is the client's: make a new one
    try:
        answer = gateway.chat("chat-hang", max_tokens=10)
    finally:
        proxy.settings = kept
        proxy._clients.clear()

    assert answer.status_code == 504
    assert answer.json()["error"]["code"] == "upstream_error"
    assert gateway.balance() == 100
    assert gateway.holds()[0].state == "released"


def test_concurrent_calls_never_overdraw_the_balance(gateway, live_url):
    """More calls at once than the balance pays for: each either holds its worst case or is
    refused with 402 before the provider; what is charged is exactly what the provider
    reported for the calls that ran."""
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(39 * 5 + 10)  # five worst cases (39 each), not six
    callers = 12
    start = threading.Barrier(callers)
    statuses: list[int] = []
    lock = threading.Lock()
    body = {"model": "chat-a", "messages": MESSAGES, "max_tokens": 10}

    def call() -> None:
        with httpx.Client(base_url=live_url, timeout=60) as client:
            start.wait()
            status = client.post(CHAT, json=body, headers=gateway.headers).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    counted = Counter(statuses)
    assert set(counted) <= {200, 402} and counted[200] >= 5, counted
    usage = gateway.wait_for_usage(counted[200])
    ok = [u for u in usage if u.status == "ok"]
    assert len(ok) == counted[200] == len(gateway.upstream.calls())
    assert gateway.balance() == 39 * 5 + 10 - 23 * len(ok)
    assert gateway.balance() >= 0 and gateway.ledger_is_exact()
    assert all(h.state == "settled" for h in gateway.holds())


def test_with_redis_every_process_counts_in_the_same_window(runtime):
    """Two limiters share nothing but the broker's Redis, as two processes would."""
    url = runtime.settings.broker_url or ""
    if not url.startswith("redis"):
        pytest.skip("needs a Redis broker (ORION_TEST_BROKER_URL)")
    prefix = runtime.settings.broker_key_prefix
    one, other = RateLimiter(url, prefix=prefix), RateLimiter(url, prefix=prefix)
    limits = Limits(
        requests_per_minute=2,
        tokens_per_minute=0,
        token_requests_per_minute=0,
        token_tokens_per_minute=0,
    )
    tenant = str(uuid.uuid4())

    one.admit(limits, tenant=tenant, principal="token:a")
    other.admit(limits, tenant=tenant, principal="token:b")
    with pytest.raises(RateLimited) as refused:
        one.admit(limits, tenant=tenant, principal="token:a")

    assert 1 <= refused.value.extra["retry_after"] <= 60
