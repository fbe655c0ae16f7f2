"""Chat completions through the gateway, against a provider on loopback: the answer in
OpenAI's shape, the credits exactly what the provider reported, the hold settled.

Prices in these tests: one credit per input token, two per output token. The provider
counts prompt tokens as words plus one per message and answers `max_tokens` words (at most
20), so "hello there" with max_tokens 10 costs 3 + 2 * 10 = 23 credits. The worst case
held first is the prompt's UTF-8 size plus 8 per message (19) plus twice max_tokens: 39.
"""

from __future__ import annotations

import orjson

from tests.modules.ai_proxy.conftest import TENANT_KEY

COST = 23
WORST = 39


def events(text: str) -> list[dict]:
    chunks = []
    for line in text.splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            chunks.append(orjson.loads(line[6:]))
    return chunks


def test_a_call_is_answered_in_openais_shape_and_charged_what_the_provider_reported(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(100)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"].split() == [f"w{i}" for i in range(1, 11)]
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 10, "total_tokens": 13}
    assert gateway.balance() == 100 - COST
    [hold] = gateway.holds()
    assert (hold.amount, hold.state, hold.settled_amount) == (WORST, "settled", COST)
    [usage] = gateway.usage()
    assert (usage.status, usage.input_tokens, usage.output_tokens, usage.cost) == ("ok", 3, 10, 23)
    assert (usage.model, usage.served_by, usage.key_source) == ("chat-a", "chat-a", "tenant")
    assert usage.principal.startswith("token:") and not usage.usage_estimated
    assert gateway.ledger_is_exact()


def test_the_request_reaches_the_provider_as_sent_under_the_upstream_name(gateway):
    gateway.model("chat-a", upstream_model="provider-model-7")
    gateway.tenant_key()
    gateway.fund(100)

    gateway.chat(max_tokens=10, temperature=0.2, user="u-1")

    [call] = gateway.upstream.calls()
    assert call.model == "provider-model-7" and call.api_key == TENANT_KEY
    assert call.body["temperature"] == 0.2 and call.body["user"] == "u-1"
    assert call.body["messages"] == [{"role": "user", "content": "hello there"}]


def test_a_streamed_call_relays_the_chunks_and_is_charged_on_the_final_usage(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(100)

    answer = gateway.chat(max_tokens=10, stream=True, stream_options={"include_usage": True})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.text.rstrip().endswith("data: [DONE]")
    chunks = events(answer.text)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text.split() == [f"w{i}" for i in range(1, 11)]
    assert chunks[-1]["usage"]["completion_tokens"] == 10
    [usage] = gateway.wait_for_usage(1)
    assert (usage.status, usage.cost, usage.stream) == ("ok", COST, True)
    assert gateway.balance() == 100 - COST


def test_a_streamed_call_is_billed_even_when_the_client_did_not_ask_for_usage(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(100)

    answer = gateway.chat(max_tokens=10, stream=True)

    chunks = events(answer.text)
    assert all(c["choices"] for c in chunks), "the usage chunk Orion asked for is not relayed"
    assert gateway.upstream.calls()[0].body["stream_options"] == {"include_usage": True}
    [usage] = gateway.wait_for_usage(1)
    assert usage.cost == COST and gateway.balance() == 100 - COST


def test_without_the_worst_case_in_credits_the_call_is_refused_before_the_provider(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(WORST - 1)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 402
    error = answer.json()["error"]
    assert error["code"] == "insufficient_credits" and error["type"] == "insufficient_quota"
    assert (error["balance"], error["estimate"]) == (WORST - 1, WORST)
    assert gateway.upstream.calls() == []
    assert gateway.balance() == WORST - 1 and gateway.holds() == []


def test_max_tokens_is_capped_at_the_models_maximum_output_in_the_hold(gateway):
    gateway.model("chat-a", max_output_tokens=10)
    gateway.tenant_key()
    gateway.fund(WORST)

    # Asking for 5,000 output tokens holds only the model's 10.
    answer = gateway.chat(max_tokens=5000)

    assert answer.status_code == 200, answer.text
    [hold] = gateway.holds()
    assert hold.amount == WORST


def test_a_refusal_by_the_provider_is_passed_on_and_nothing_is_charged(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(100)
    gateway.upstream.fail_next("chat-a", times=1, status=400)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "upstream_error"
    assert len(gateway.upstream.calls()) == 1, "a refused request is not retried"
    assert gateway.balance() == 100
    [hold] = gateway.holds()
    assert hold.state == "released"
    [usage] = gateway.usage()
    assert (usage.status, usage.cost, usage.served_by) == ("failed", 0, None)
    assert usage.error


def test_a_failing_model_is_retried_once_then_its_fallback_serves_the_call(gateway):
    gateway.model("backup", output_price=1_000_000)
    gateway.model("chat-a", fallbacks=["backup"])
    gateway.tenant_key()
    gateway.fund(100)
    gateway.upstream.fail_next("chat-a", times=2, status=503)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 200, answer.text
    assert [c.model for c in gateway.upstream.calls()] == ["chat-a", "chat-a", "backup"]
    [usage] = gateway.usage()
    assert (usage.served_by, usage.attempts) == ("backup", 3)
    assert usage.cost == 3 + 10  # the fallback's price
    assert gateway.balance() == 100 - 13


def test_a_transient_failure_is_retried_on_the_same_model(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(100)
    gateway.upstream.fail_next("chat-a", times=1, status=429)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 200
    assert gateway.usage()[0].attempts == 2


def test_when_every_model_fails_the_caller_gets_a_502_and_the_hold_back(gateway):
    gateway.model("backup")
    gateway.model("chat-a", fallbacks=["backup"])
    gateway.tenant_key()
    gateway.fund(100)
    gateway.upstream.fail_next("chat-a", times=5, status=500)
    gateway.upstream.fail_next("backup", times=5, status=500)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "upstream_error"
    assert len(gateway.upstream.calls()) == 4  # two tries of each
    assert gateway.balance() == 100
    assert gateway.usage()[0].status == "failed"


def test_a_cut_stream_is_billed_for_what_was_produced_and_the_client_told(gateway):
    gateway.model("chat-cut")
    gateway.tenant_key()
    gateway.fund(100)

    answer = gateway.chat("chat-cut", max_tokens=10, stream=True)

    chunks = events(answer.text)
    assert chunks[-1]["error"]["code"] == "upstream_error"
    [usage] = gateway.wait_for_usage(1)
    assert usage.status == "failed" and usage.usage_estimated
    # No usage from the provider: the prompt estimated (19 bytes / 4, rounded up: 5), the
    # five words it sent ("w1 " ... "w5 ": 3 bytes each, one token apiece).
    assert (usage.input_tokens, usage.output_tokens) == (5, 5)
    assert usage.cost == 5 + 2 * 5
    assert gateway.balance() == 100 - 15
    assert gateway.ledger_is_exact()
