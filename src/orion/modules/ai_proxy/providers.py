"""Speaking to providers: OpenAI and OpenAI-compatible servers are passed through; Anthropic's
Messages API is translated from and to OpenAI's chat completions, streamed or not.

Each adapter builds the upstream request, reads the answer into OpenAI's shape and says
what usage the provider reported. Streams go through a `StreamReader`, which turns the
provider's server-sent events into OpenAI chunks (bytes ready to send) and keeps the usage.
"""

from __future__ import annotations

import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import orjson

from orion.modules.ai_proxy.metering import estimate_tokens

ANTHROPIC_VERSION = "2023-06-01"
DONE = b"data: [DONE]\n\n"


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def error_message(status: int, body: bytes) -> str:
    """The provider's own words for a refusal (OpenAI's and Anthropic's error shapes)."""
    try:
        data = orjson.loads(body)
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    except orjson.JSONDecodeError:
        pass
    return f"the provider answered {status}"


# -- OpenAI and OpenAI-compatible ---------------------------------------------------------------


class OpenAIAdapter:
    def headers(self, api_key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"}

    def chat_request(
        self, body: dict[str, Any], *, upstream_model: str, api_key: str, output_cap: int
    ) -> UpstreamRequest:
        sent = {**body, "model": upstream_model}
        if sent.get("stream"):
            # The usage chunk is what the call is billed on; the reader drops it again for
            # clients that did not ask for it.
            sent["stream_options"] = {**(sent.get("stream_options") or {}), "include_usage": True}
        return UpstreamRequest("/chat/completions", self.headers(api_key), sent)

    def embeddings_request(
        self, body: dict[str, Any], *, upstream_model: str, api_key: str
    ) -> UpstreamRequest:
        return UpstreamRequest(
            "/embeddings", self.headers(api_key), {**body, "model": upstream_model}
        )

    def read_chat(self, data: dict[str, Any]) -> tuple[dict[str, Any], Usage]:
        return data, _openai_usage(data.get("usage"))

    def read_embeddings(self, data: dict[str, Any]) -> tuple[dict[str, Any], Usage]:
        return data, _openai_usage(data.get("usage"))

    def stream_reader(self, *, model: str, wants_usage: bool) -> StreamReader:
        return OpenAIStreamReader(model=model, wants_usage=wants_usage)


def _openai_usage(usage: Any) -> Usage:
    if not isinstance(usage, dict):
        return Usage(estimated=True)
    return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))


@dataclass
class StreamReader(ABC):
    """Turns one upstream event into what the client is sent; keeps the usage."""

    model: str
    wants_usage: bool
    usage: Usage | None = None
    produced: list[str] = field(default_factory=list)  # the text, for an estimate if cut
    finished: bool = False

    @abstractmethod
    def read(self, event: str, data: str) -> list[bytes]:
        """The bytes to send the client for one server-sent event of the provider."""

    def final_usage(self, input_estimate: int) -> Usage:
        """What the call is billed on: the provider's figure, else an estimate (a cut
        stream): the input as estimated before the call, the output from the text seen."""
        if self.usage is not None and not self.usage.estimated:
            return self.usage
        reported_input = self.usage.input_tokens if self.usage else 0
        return Usage(
            input_tokens=reported_input or input_estimate,
            output_tokens=sum(estimate_tokens(text) for text in self.produced),
            estimated=True,
        )


class OpenAIStreamReader(StreamReader):
    def read(self, event: str, data: str) -> list[bytes]:
        if data.strip() == "[DONE]":
            self.finished = True
            return [DONE]
        chunk = orjson.loads(data)
        if isinstance(chunk.get("usage"), dict):
            self.usage = _openai_usage(chunk["usage"])
            if not chunk.get("choices") and not self.wants_usage:
                return []  # the usage chunk Orion asked for, not the client
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.produced.append(delta["content"])
            for call in delta.get("tool_calls") or ():
                self.produced.append((call.get("function") or {}).get("arguments") or "")
        return [b"data: " + data.encode() + b"\n\n"]


# -- Anthropic ---------------------------------------------------------------------------------

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


class AnthropicAdapter:
    def headers(self, api_key: str) -> dict[str, str]:
        return {"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION}

    def chat_request(
        self, body: dict[str, Any], *, upstream_model: str, api_key: str, output_cap: int
    ) -> UpstreamRequest:
        system, messages = _anthropic_messages(body["messages"])
        sent: dict[str, Any] = {
            "model": upstream_model,
            "messages": messages,
            # Required by Anthropic; without one from the client, the cap that was held.
            "max_tokens": output_cap,
        }
        if system:
            sent["system"] = system
        for name in ("temperature", "top_p", "stream"):
            if body.get(name) is not None:
                sent[name] = body[name]
        stop = body.get("stop")
        if stop:
            sent["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
        if body.get("tools"):
            sent["tools"] = [_anthropic_tool(tool) for tool in body["tools"]]
        choice = _anthropic_tool_choice(body.get("tool_choice"))
        if choice is not None:
            sent["tool_choice"] = choice
        if body.get("user"):
            sent["metadata"] = {"user_id": str(body["user"])}
        return UpstreamRequest("/messages", self.headers(api_key), sent)

    def embeddings_request(
        self, body: dict[str, Any], *, upstream_model: str, api_key: str
    ) -> UpstreamRequest:
        raise AssertionError("the catalogue refuses Anthropic embedding models")

    def read_embeddings(self, data: dict[str, Any]) -> tuple[dict[str, Any], Usage]:
        raise AssertionError("the catalogue refuses Anthropic embedding models")

    def read_chat(self, data: dict[str, Any]) -> tuple[dict[str, Any], Usage]:
        text = "".join(b.get("text", "") for b in data.get("content", ()) if b["type"] == "text")
        tool_calls = [
            {
                "id": block["id"],
                "type": "function",
                "function": {
                    "name": block["name"],
                    "arguments": orjson.dumps(block.get("input", {})).decode(),
                },
            }
            for block in data.get("content", ())
            if block["type"] == "tool_use"
        ]
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        usage = _anthropic_usage(data.get("usage") or {})
        body = {
            "id": f"chatcmpl-{data.get('id', uuid.uuid4().hex)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": data.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": FINISH_REASONS.get(data.get("stop_reason") or "", "stop"),
                }
            ],
            "usage": _openai_usage_of(usage),
        }
        return body, usage

    def stream_reader(self, *, model: str, wants_usage: bool) -> StreamReader:
        return AnthropicStreamReader(model=model, wants_usage=wants_usage)


class AnthropicStreamReader(StreamReader):
    """Anthropic's message events, as OpenAI chat completion chunks."""

    def __init__(self, *, model: str, wants_usage: bool) -> None:
        super().__init__(model=model, wants_usage=wants_usage)
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.tool_index: dict[int, int] = {}  # Anthropic block index -> OpenAI tool index

    def read(self, event: str, data: str) -> list[bytes]:
        payload = orjson.loads(data)
        kind = payload.get("type", event)
        if kind == "message_start":
            message = payload.get("message") or {}
            self.id = f"chatcmpl-{message.get('id', uuid.uuid4().hex)}"
            self.usage = _anthropic_usage(message.get("usage") or {})
            self.usage.estimated = True  # until message_delta gives the output
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = payload.get("content_block") or {}
            if block.get("type") != "tool_use":
                return []
            index = self.tool_index.setdefault(payload.get("index", 0), len(self.tool_index))
            call = {
                "index": index,
                "id": block.get("id"),
                "type": "function",
                "function": {"name": block.get("name"), "arguments": ""},
            }
            return [self._chunk({"tool_calls": [call]})]
        if kind == "content_block_delta":
            delta = payload.get("delta") or {}
            if delta.get("type") == "text_delta":
                self.produced.append(delta.get("text", ""))
                return [self._chunk({"content": delta.get("text", "")})]
            if delta.get("type") == "input_json_delta":
                part = delta.get("partial_json", "")
                self.produced.append(part)
                index = self.tool_index.get(payload.get("index", 0), 0)
                return [
                    self._chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
                ]
            return []
        if kind == "message_delta":
            reported = (payload.get("usage") or {}).get("output_tokens")
            if reported is not None and self.usage is not None:
                self.usage.output_tokens = int(reported)
                self.usage.estimated = False
            reason = (payload.get("delta") or {}).get("stop_reason") or ""
            return [self._chunk({}, finish_reason=FINISH_REASONS.get(reason, "stop"))]
        if kind == "message_stop":
            self.finished = True
            sent = []
            if self.wants_usage and self.usage is not None:
                sent.append(
                    sse({**self._base(), "choices": [], "usage": _openai_usage_of(self.usage)})
                )
            return [*sent, DONE]
        if kind == "error":
            error = payload.get("error") or {}
            raise StreamFailed(str(error.get("message") or "the provider failed mid-stream"))
        return []  # ping, content_block_stop

    def _base(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
        }

    def _chunk(self, delta: dict[str, Any], *, finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return sse({**self._base(), "choices": [choice]})


class StreamFailed(Exception):
    """The provider reported an error in the middle of a stream."""


def _anthropic_usage(usage: dict[str, Any]) -> Usage:
    cached = int(usage.get("cache_creation_input_tokens") or 0) + int(
        usage.get("cache_read_input_tokens") or 0
    )
    return Usage(int(usage.get("input_tokens") or 0) + cached, int(usage.get("output_tokens") or 0))


def _openai_usage_of(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


def _anthropic_messages(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    system: list[str] = []
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message["role"]
        if role in ("system", "developer"):
            system.append(_text_of(message.get("content")))
            continue
        if role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.get("tool_call_id", ""),
                "content": _text_of(message.get("content")),
            }
            role, blocks = "user", [block]
        else:
            blocks = _anthropic_blocks(message.get("content"))
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                try:
                    arguments = orjson.loads(function.get("arguments") or "{}")
                except orjson.JSONDecodeError:
                    arguments = {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.get("id"),
                        "name": function.get("name"),
                        "input": arguments,
                    }
                )
        # Anthropic alternates user and assistant turns: consecutive ones are merged.
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return "\n\n".join(part for part in system if part), out


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(str(part.get("text", "")) for part in content if part.get("type") == "text")


def _anthropic_blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    blocks = []
    for part in content:
        if part.get("type") == "text":
            blocks.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            blocks.append({"type": "image", "source": _image_source(url)})
    return blocks


def _image_source(url: str) -> dict[str, str]:
    if url.startswith("data:") and ";base64," in url:
        media_type, _, data = url[5:].partition(";base64,")
        return {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "url", "url": url}


def _anthropic_tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool.get("function") or {}
    translated = {
        "name": function.get("name"),
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        translated["description"] = function["description"]
    return translated


def _anthropic_tool_choice(choice: Any) -> dict[str, Any] | None:
    if choice is None:
        return None
    if choice == "auto":
        return {"type": "auto"}
    if choice == "required":
        return {"type": "any"}
    if choice == "none":
        return {"type": "none"}
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "tool", "name": (choice.get("function") or {}).get("name")}
    return None


def adapter_for(provider: str) -> OpenAIAdapter | AnthropicAdapter:
    return ANTHROPIC if provider == "anthropic" else OPENAI


OPENAI = OpenAIAdapter()
ANTHROPIC = AnthropicAdapter()
