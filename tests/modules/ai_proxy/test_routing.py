"""Which key and provider serve a call, Anthropic spoken in OpenAI's terms, embeddings and
the model list, and the errors a caller can meet — all in OpenAI's error shape."""

from __future__ import annotations

from tests.modules.ai_proxy.conftest import CHAT, PLATFORM_KEY, TENANT_KEY
from tests.modules.ai_proxy.test_chat import events

# -- keys --------------------------------------------------------------------------------------


def test_without_a_key_of_its_own_the_tenant_uses_the_platforms(gateway):
    gateway.model("chat-a")
    gateway.platform_key()
    gateway.fund(100)

    assert gateway.chat(max_tokens=10).status_code == 200

    assert gateway.upstream.calls()[0].api_key == PLATFORM_KEY
    assert gateway.usage()[0].key_source == "platform"


def test_the_tenants_own_key_comes_before_the_platforms(gateway):
    gateway.model("chat-a")
    gateway.platform_key()
    gateway.tenant_key()
    gateway.fund(100)

    gateway.chat(max_tokens=10)

    assert gateway.upstream.calls()[0].api_key == TENANT_KEY
    assert gateway.usage()[0].key_source == "tenant"


def test_a_platform_key_kept_from_tenants_is_not_used_for_them(gateway):
    gateway.model("chat-a")
    gateway.platform_key(allow_tenants=False)
    gateway.fund(100)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "no_provider_key"
    assert gateway.upstream.calls() == [] and gateway.balance() == 100


def test_a_fallback_without_a_key_is_skipped(gateway):
    gateway.model("claude", provider="anthropic")
    gateway.model("chat-a", fallbacks=["claude"])
    gateway.tenant_key()  # openai_compatible only
    gateway.fund(100)
    gateway.upstream.fail_next("chat-a", times=5, status=500)

    answer = gateway.chat(max_tokens=10)

    assert answer.status_code == 502
    assert {c.path for c in gateway.upstream.calls()} == {"/v1/chat/completions"}


# -- Anthropic ---------------------------------------------------------------------------------


def test_anthropic_is_asked_in_its_own_terms_and_answered_in_openais(gateway):
    gateway.model("claude", provider="anthropic", upstream_model="claude-test")
    gateway.tenant_key(provider="anthropic")
    gateway.fund(100)

    answer = gateway.chat(
        "claude",
        max_tokens=10,
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hello there"},
        ],
        stop="END",
    )

    assert answer.status_code == 200, answer.text
    [call] = gateway.upstream.calls()
    assert call.path == "/v1/messages" and call.api_key == TENANT_KEY
    assert call.body["system"] == "be brief"
    assert call.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hello there"}]}
    ]
    assert call.body["max_tokens"] == 10 and call.body["stop_sequences"] == ["END"]
    body = answer.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["finish_reason"] == "length"
    # Anthropic counts the system prompt: "be brief" and "hello there", plus one per message.
    assert body["usage"] == {"prompt_tokens": 5, "completion_tokens": 10, "total_tokens": 15}
    assert gateway.usage()[0].cost == 5 + 2 * 10


def test_anthropic_without_max_tokens_gets_the_cap_that_was_held(gateway):
    gateway.model("claude", provider="anthropic", max_output_tokens=15)
    gateway.tenant_key(provider="anthropic")
    gateway.fund(1000)

    gateway.chat("claude")

    assert gateway.upstream.calls()[0].body["max_tokens"] == 15


def test_anthropic_tool_calls_come_back_as_openai_tool_calls(gateway):
    gateway.model("claude", provider="anthropic")
    gateway.tenant_key(provider="anthropic")
    gateway.fund(1000)
    tool = {
        "type": "function",
        "function": {"name": "search", "description": "find", "parameters": {"type": "object"}},
    }

    answer = gateway.chat("claude", max_tokens=10, tools=[tool], tool_choice="required")

    sent = gateway.upstream.calls()[0].body
    assert sent["tools"] == [
        {"name": "search", "description": "find", "input_schema": {"type": "object"}}
    ]
    assert sent["tool_choice"] == {"type": "any"}
    choice = answer.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["function"] == {"name": "search", "arguments": '{"q":"x"}'}


def test_an_anthropic_stream_is_relayed_as_openai_chunks(gateway):
    gateway.model("claude", provider="anthropic")
    gateway.tenant_key(provider="anthropic")
    gateway.fund(100)

    answer = gateway.chat(
        "claude", max_tokens=10, stream=True, stream_options={"include_usage": True}
    )

    assert answer.status_code == 200
    chunks = events(answer.text)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text.split() == [f"w{i}" for i in range(1, 11)]
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "length"
    assert chunks[-1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 10, "total_tokens": 13}
    assert answer.text.rstrip().endswith("data: [DONE]")
    [usage] = gateway.wait_for_usage(1)
    assert usage.cost == 23 and gateway.balance() == 77


# -- embeddings and models ---------------------------------------------------------------------


def test_embeddings_are_charged_for_their_input(gateway):
    gateway.model("embed", kind="embedding", input_price=500_000)
    gateway.tenant_key()
    gateway.fund(100)

    answer = gateway.client.post(
        "/v1/embeddings",
        json={"model": "embed", "input": ["one two three", "four"]},
        headers=gateway.headers,
    )

    assert answer.status_code == 200, answer.text
    assert len(answer.json()["data"]) == 2
    [usage] = gateway.usage()
    assert (usage.input_tokens, usage.output_tokens, usage.cost) == (4, 0, 2)
    assert gateway.balance() == 98


def test_a_chat_model_is_not_an_embedding_model(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()

    answer = gateway.client.post(
        "/v1/embeddings", json={"model": "chat-a", "input": "x"}, headers=gateway.headers
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "wrong_model_kind"


def test_the_model_list_is_the_platforms_active_catalogue(gateway):
    gateway.model("chat-a")
    gateway.model("chat-b", provider="anthropic")
    gateway.model("old", is_active=False)

    listed = gateway.client.get("/v1/models", headers=gateway.headers)

    assert listed.status_code == 200
    assert listed.json()["object"] == "list"
    assert [(m["id"], m["owned_by"]) for m in listed.json()["data"]] == [
        ("chat-a", "openai_compatible"),
        ("chat-b", "anthropic"),
    ]
    one = gateway.client.get("/v1/models/chat-b", headers=gateway.headers)
    assert one.json()["id"] == "chat-b"
    assert gateway.client.get("/v1/models/old", headers=gateway.headers).status_code == 404


# -- errors ------------------------------------------------------------------------------------


def test_a_call_without_a_token_is_refused_in_openais_shape(gateway):
    answer = gateway.client.post(CHAT, json={"model": "chat-a", "messages": []})

    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "authentication_error"


def test_a_token_without_the_gateway_scope_is_refused(gateway, login, make_member):
    user, password = make_member(gateway.tenant, "tenant_admin")
    headers = login(user.email, password, tenant_id=gateway.tenant.tenant_id)
    token = gateway.client.post(
        "/api/v1/auth/tokens", json={"name": "other", "scopes": ["ai_proxy.read"]}, headers=headers
    ).json()["token"]

    answer = gateway.client.post(
        CHAT,
        json={"model": "chat-a", "messages": [{"role": "user", "content": "x"}]},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert answer.status_code == 403
    assert answer.json()["error"]["type"] == "permission_error"


def test_an_unknown_model_is_a_404_naming_the_model(gateway):
    answer = gateway.chat("nope")

    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "model_not_found" and error["param"] == "model"


def test_a_malformed_request_names_the_field_and_touches_nothing(gateway):
    gateway.model("chat-a")
    gateway.tenant_key()
    gateway.fund(100)

    for body, field in [
        ({"model": "chat-a", "messages": []}, "messages"),
        ({"model": "chat-a", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"model": "chat-a", "messages": [{"role": "user"}], "max_tokens": 0}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
    ]:
        answer = gateway.client.post(CHAT, json=body, headers=gateway.headers)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["param"] == field

    assert gateway.upstream.calls() == [] and gateway.holds() == []


def test_the_gateway_is_off_for_a_tenant_without_the_module(gateway, runtime):
    from orion.kernel.runtime.activation import ModuleScope

    with runtime.database.unit_of_work() as session:
        runtime.modules.disable(
            session,
            "ai_proxy",
            scope=ModuleScope(gateway.platform_id, gateway.tenant.tenant_id),
        )

    answer = gateway.chat()

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "module_not_enabled"
