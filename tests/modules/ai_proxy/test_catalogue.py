"""The operators' model catalogue, the tenant's usage API, and OpenAI's own SDK as a client
of the gateway."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orion.kernel.data.db import utcnow

MODELS = "/api/v1/admin/ai_proxy/models"


def test_an_operator_offers_a_model_at_a_price(gateway, operator_headers):
    created = gateway.client.post(
        MODELS,
        params={"platform_id": str(gateway.platform_id)},
        json={
            "name": "gpt-x",
            "provider": "openai",
            "input_price": 150_000,
            "output_price": 600_000,
            "max_output_tokens": 16_384,
        },
        headers=operator_headers,
    )

    assert created.status_code == 201, created.text
    model = created.json()
    assert (model["upstream_model"], model["kind"], model["fallbacks"]) == ("gpt-x", "chat", [])
    listed = gateway.client.get("/api/v1/ai_proxy/models", headers=gateway.headers).json()
    assert [(m["name"], m["input_price"]) for m in listed["data"]] == [("gpt-x", 150_000)]

    changed = gateway.client.patch(
        f"{MODELS}/{model['id']}", json={"output_price": 700_000}, headers=operator_headers
    )
    assert changed.json()["output_price"] == 700_000
    for field in ("upstream_model", "input_price", "max_output_tokens", "fallbacks", "is_active"):
        nulled = gateway.client.patch(
            f"{MODELS}/{model['id']}", json={field: None}, headers=operator_headers
        )
        assert nulled.status_code == 422, (field, nulled.text)
        assert [e["field"] for e in nulled.json()["errors"]] == [field]
    kept = gateway.client.get("/api/v1/ai_proxy/models", headers=gateway.headers).json()
    assert [(m["upstream_model"], m["output_price"]) for m in kept["data"]] == [("gpt-x", 700_000)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "m", "provider": "openai", "input_price": -1}, "input_price"),
        ({"name": "m", "provider": "nobody", "input_price": 1}, "provider"),
        ({"name": "has space", "provider": "openai", "input_price": 1}, "name"),
        (
            {"name": "m", "provider": "openai", "input_price": 1, "fallbacks": ["ghost"]},
            "fallbacks",
        ),
        ({"name": "m", "provider": "openai", "input_price": 1, "fallbacks": ["m"]}, "fallbacks"),
        (
            {"name": "m", "provider": "anthropic", "kind": "embedding", "input_price": 1},
            "kind",
        ),
    ],
)
def test_a_bad_model_is_refused_naming_the_field(gateway, operator_headers, body, field):
    answer = gateway.client.post(
        MODELS,
        params={"platform_id": str(gateway.platform_id)},
        json=body,
        headers=operator_headers,
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert gateway.client.get("/v1/models", headers=gateway.headers).json()["data"] == []


def test_a_model_name_is_taken_once_per_platform(gateway, operator_headers):
    gateway.model("chat-a")

    again = gateway.client.post(
        MODELS,
        params={"platform_id": str(gateway.platform_id)},
        json={"name": "chat-a", "provider": "openai", "input_price": 1},
        headers=operator_headers,
    )

    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"


def test_the_tenant_sees_each_call_and_totals_by_day_and_model(gateway):
    gateway.model("chat-a")
    gateway.model("chat-b")
    gateway.tenant_key()
    gateway.fund(1000)
    gateway.chat(max_tokens=10)
    gateway.chat(max_tokens=5)
    gateway.chat("chat-b", max_tokens=10)
    gateway.upstream.fail_next("chat-a", times=2, status=500)
    gateway.chat(max_tokens=10)

    calls = gateway.client.get("/api/v1/ai_proxy/usage", headers=gateway.headers).json()
    failed = gateway.client.get(
        "/api/v1/ai_proxy/usage", params={"status": "failed"}, headers=gateway.headers
    ).json()
    totals = gateway.client.get("/api/v1/ai_proxy/usage/totals", headers=gateway.headers).json()

    assert calls["count"] == 4 and calls["data"][0]["status"] == "failed"
    assert failed["count"] == 1 and failed["data"][0]["error"]
    today = utcnow().date().isoformat()
    assert [
        (t["day"], t["model"], t["requests"], t["failed"], t["cost"]) for t in totals["data"]
    ] == [
        (today, "chat-a", 3, 1, 23 + 13),
        (today, "chat-b", 1, 0, 23),
    ]
    assert totals["since"] == (utcnow().date() - timedelta(days=29)).isoformat()


def test_usage_totals_refuse_a_reversed_range(gateway):
    answer = gateway.client.get(
        "/api/v1/ai_proxy/usage/totals",
        params={"since": "2026-02-01", "until": "2026-01-01"},
        headers=gateway.headers,
    )

    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "since"


def test_openais_sdk_calls_the_gateway_streamed_and_not(gateway, live_url):
    openai = pytest.importorskip("openai")
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(100)
    client = openai.OpenAI(base_url=f"{live_url}/v1", api_key=gateway.token, max_retries=0)
    messages = [{"role": "user", "content": "hello there"}]

    reply = client.chat.completions.create(model="chat-a", messages=messages, max_tokens=10)
    stream = client.chat.completions.create(
        model="chat-a",
        messages=messages,
        max_tokens=10,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="nope", messages=messages)
    models = client.models.list()

    assert reply.usage.completion_tokens == 10 and reply.choices[0].finish_reason == "length"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.split() == [f"w{i}" for i in range(1, 11)]
    assert chunks[-1].usage.total_tokens == 13
    assert missing.value.body["code"] == "model_not_found"
    assert [m.id for m in models.data] == ["chat-a"]
    gateway.wait_for_usage(2)
    assert gateway.balance() == 100 - 2 * 23
