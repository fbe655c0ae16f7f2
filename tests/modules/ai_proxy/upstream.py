"""A provider on loopback for the gateway's tests: a Starlette app served by uvicorn in a
daemon thread, so the gateway's real httpx client runs against a real socket. It speaks
OpenAI (/v1/chat/completions, /v1/embeddings, /v1/models) and Anthropic (/v1/messages, and
/v1/models in Anthropic's shape when `anthropic-version` is sent), streamed and not.

Its arithmetic, which the tests' expected credits follow:

* prompt tokens: the whitespace-separated words of every message's content (a string, or
  the "text" of each content part) plus 1 per message; on /messages the system prompt's
  words (a string or text blocks) count too. Embeddings: the words of each input (a string
  or a list of strings), at least 1 per input; the total is both prompt and total tokens.
* the reply is "w1 w2 ... wN" with N = min(max_tokens, 20), max_tokens being
  `max_completion_tokens` or `max_tokens` (OpenAI; 20 when absent) or `max_tokens`
  (Anthropic, required: 400 without it). Completion tokens = N. finish_reason is "length"
  when max_tokens < 20, else "stop" (Anthropic: "max_tokens" / "end_turn").
* a stream sends one chunk per word ("w1 ", "w2 ", ... the last without its space).
* with `tools`, a non-streamed answer calls the first tool with {"q": "x"}: 5 completion
  tokens, finish_reason "tool_calls" (Anthropic: stop_reason "tool_use").

Refusals, checked in this order (every request is recorded, refused or not):
a key starting "sk-bad" -> 401; /messages without `anthropic-version` -> 400;
`fail_next(model, times, status)` -> `status` for the next `times` calls naming that model.
Error bodies are OpenAI's shape, or Anthropic's on /messages.

The upstream model name (the request's "model") chooses a behaviour: "slow" waits 0.2 s
before each word of a stream (or before a non-streamed answer); "cut" streams five words
then drops the connection (no finish, usage or [DONE]; Anthropic: no message_delta or
message_stop) and drops a non-streamed answer after its status line; "hang" is silent for
30 s (or until the client goes away) before answering normally.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

WORDS = 20  # the longest reply
CUT_AFTER = 5  # words a "cut" stream sends before dropping the connection
SLOW = 0.2
HANG = 30.0
# Error types by status; otherwise OpenAI says server_error (5xx) or invalid_request_error.
OPENAI_ERRORS = {429: "requests"}
ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error"}
ANTHROPIC_ERRORS |= {403: "permission_error", 404: "not_found_error", 429: "rate_limit_error"}
ANTHROPIC_ERRORS |= {529: "overloaded_error"}  # and api_error for the rest


@dataclass
class Recorded:
    path: str
    api_key: str | None  # from "Authorization: Bearer X" or "x-api-key: X"
    body: dict[str, Any]
    model: str  # the body's "model", "" when absent


class Cut(Exception):
    """Raised inside a response that has started: uvicorn then drops the connection."""


class Upstream:
    """A provider on loopback: OpenAI-compatible (/v1/chat/completions, /v1/embeddings,
    /v1/models) and Anthropic (/v1/messages, /v1/models)."""

    def __init__(self) -> None:
        self.base_url = ""
        self.requests: list[Recorded] = []
        self._failures: dict[str, tuple[int, int]] = {}  # model -> (times left, status)
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------------

    def start(self) -> Upstream:
        """Serve on a free loopback port in a daemon thread; return once it answers."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        routes = [
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/embeddings", self._embeddings, methods=["POST"]),
            Route("/v1/messages", self._messages, methods=["POST"]),
            Route("/v1/models", self._models, methods=["GET"]),
        ]
        config = uvicorn.Config(Starlette(routes=routes), log_level="critical", lifespan="off")
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: server.run(sockets=[sock]), daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._thread.is_alive():
            try:
                httpx.get(f"{self.base_url}/models", timeout=1).raise_for_status()
                self.reset()
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the loopback provider did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def calls(self, model: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if model is None or r.model == model]

    def fail_next(self, model: str, times: int, status: int = 500) -> None:
        with self._lock:
            self._failures[model] = (times, status)

    # -- the provider ----------------------------------------------------------------------------

    async def _receive(self, request: Request) -> tuple[Recorded, Response | None]:
        """Record the request; a refusal to answer with, if any; then the model's delays."""
        anthropic = request.url.path.endswith("/messages")
        try:
            body = orjson.loads(await request.body()) if request.method == "POST" else {}
        except orjson.JSONDecodeError:
            body = None
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        key = request.headers.get("x-api-key") or bearer or None
        model = str(body.get("model") or "") if isinstance(body, dict) else ""
        recorded = Recorded(request.url.path, key, body if isinstance(body, dict) else {}, model)
        with self._lock:
            self.requests.append(recorded)
        if not isinstance(body, dict):
            return recorded, _error(400, "the body is not a JSON object", anthropic)
        if (key or "").startswith("sk-bad"):
            message = "invalid x-api-key" if anthropic else "invalid api key"
            return recorded, _error(401, message, anthropic, code="invalid_api_key")
        if anthropic and "anthropic-version" not in request.headers:
            return recorded, _error(400, "anthropic-version: header is required", True)
        with self._lock:
            times, status = self._failures.get(model, (0, 0))
            if times > 0:
                self._failures[model] = (times - 1, status)
        if times > 0:
            return recorded, _error(status, f"failure on demand ({status})", anthropic)
        if "hang" in model:
            deadline = time.monotonic() + HANG
            while time.monotonic() < deadline and not await request.is_disconnected():
                await asyncio.sleep(0.1)
        return recorded, None

    async def _models(self, request: Request) -> Response:
        _, refusal = await self._receive(request)
        if refusal:
            return refusal
        if "anthropic-version" in request.headers:
            model = {"type": "model", "id": "claude-test", "display_name": "Claude Test"}
            ids = {"first_id": "claude-test", "last_id": "claude-test"}
            return JSONResponse({"data": [model], "has_more": False, **ids})
        return JSONResponse({"object": "list", "data": [{"id": "gpt-test", "object": "model"}]})

    async def _embeddings(self, request: Request) -> Response:
        recorded, refusal = await self._receive(request)
        if refusal:
            return refusal
        inputs = recorded.body.get("input", "")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        tokens = sum(max(1, len(str(item).split())) for item in inputs)
        data = [
            {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
            for i in range(len(inputs))
        ]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return JSONResponse(
            {"object": "list", "data": data, "model": recorded.model, "usage": usage}
        )

    async def _chat(self, request: Request) -> Response:
        recorded, refusal = await self._receive(request)
        if refusal:
            return refusal
        body, model = recorded.body, recorded.model
        prompt = sum(_word_count(m.get("content")) + 1 for m in body.get("messages") or [])
        cap = body.get("max_completion_tokens")
        words = _reply(cap if cap is not None else body.get("max_tokens"))
        finish = "length" if len(words) < WORDS else "stop"
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "created": int(time.time())}
        base["model"] = model
        if not body.get("stream"):
            if "cut" in model:
                return Dropped()
            await _pause(model)
            message: dict[str, Any] = {"role": "assistant", "content": " ".join(words)}
            completion = len(words)
            if body.get("tools"):
                call = {"name": body["tools"][0]["function"]["name"], "arguments": '{"q": "x"}'}
                tool_call = {"id": "call_1", "type": "function", "function": call}
                message = {"role": "assistant", "content": None, "tool_calls": [tool_call]}
                finish, completion = "tool_calls", 5
            usage = _usage(prompt, completion)
            choice = {"index": 0, "message": message, "finish_reason": finish}
            return JSONResponse(
                {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunk: dict[str, Any] = {**base, "object": "chat.completion.chunk"}
        if include_usage:
            chunk["usage"] = None

        def delta(content: dict[str, Any], finish_reason: str | None = None) -> bytes:
            choice = {"index": 0, "delta": content, "finish_reason": finish_reason}
            return _sse({**chunk, "choices": [choice]})

        async def stream() -> AsyncIterator[bytes]:
            yield delta({"role": "assistant", "content": ""})
            for piece in _pieces(words, model):
                await _pause(model)
                yield delta({"content": piece})
            yield delta({}, finish)
            if include_usage:
                yield _sse({**chunk, "choices": [], "usage": _usage(prompt, len(words))})
            yield b"data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def _messages(self, request: Request) -> Response:
        recorded, refusal = await self._receive(request)
        if refusal:
            return refusal
        body, model = recorded.body, recorded.model
        if body.get("max_tokens") is None:
            return _error(400, "max_tokens: Field required", anthropic=True)
        messages = body.get("messages") or []
        prompt = sum(_word_count(m.get("content")) + 1 for m in messages)
        prompt += _word_count(body.get("system"))
        words = _reply(body["max_tokens"])
        stop = "max_tokens" if len(words) < WORDS else "end_turn"
        message: dict[str, Any] = {
            "id": f"msg_{uuid.uuid4().hex[:12]}",
            "type": "message",
            "role": "assistant",
            "model": model,
        }
        if not body.get("stream"):
            if "cut" in model:
                return Dropped()
            await _pause(model)
            content: list[dict[str, Any]] = [{"type": "text", "text": " ".join(words)}]
            output = len(words)
            if body.get("tools"):
                name = body["tools"][0]["name"]
                content = [{"type": "tool_use", "id": "toolu_1", "name": name, "input": {"q": "x"}}]
                stop, output = "tool_use", 5
            message.update(content=content, stop_reason=stop, stop_sequence=None)
            message["usage"] = {"input_tokens": prompt, "output_tokens": output}
            return JSONResponse(message)

        def event(name: str, data: dict[str, Any]) -> bytes:
            return f"event: {name}\n".encode() + _sse({"type": name, **data})

        async def stream() -> AsyncIterator[bytes]:
            start = {"content": [], "stop_reason": None, "stop_sequence": None}
            start["usage"] = {"input_tokens": prompt, "output_tokens": 1}
            yield event("message_start", {"message": {**message, **start}})
            block = {"type": "text", "text": ""}
            yield event("content_block_start", {"index": 0, "content_block": block})
            yield event("ping", {})
            for piece in _pieces(words, model):
                await _pause(model)
                text = {"type": "text_delta", "text": piece}
                yield event("content_block_delta", {"index": 0, "delta": text})
            yield event("content_block_stop", {"index": 0})
            end = {"stop_reason": stop, "stop_sequence": None}
            yield event("message_delta", {"delta": end, "usage": {"output_tokens": len(words)}})
            yield event("message_stop", {})

        return StreamingResponse(stream(), media_type="text/event-stream")


class Dropped(Response):
    """An answer whose status line is sent, then the connection drops: the client sees a
    transport error (httpx.RemoteProtocolError), never an HTTP error answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        raise Cut


def _word_count(content: Any) -> int:
    """Words of a content: a string, or the "text" of each part of a list."""
    if isinstance(content, list):
        return sum(len(str(p.get("text", "")).split()) for p in content if isinstance(p, dict))
    return len(content.split()) if isinstance(content, str) else 0


def _reply(max_tokens: int | None) -> list[str]:
    count = WORDS if max_tokens is None else min(int(max_tokens), WORDS)
    return [f"w{i}" for i in range(1, count + 1)]


def _pieces(words: list[str], model: str) -> Iterator[str]:
    """The stream's word chunks; a "cut" model's connection drops after the fifth."""
    for index, word in enumerate(words):
        if "cut" in model and index == CUT_AFTER:
            raise Cut
        yield word if index == len(words) - 1 else f"{word} "
    if "cut" in model:
        raise Cut


def _usage(prompt: int, completion: int) -> dict[str, int]:
    total = prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


async def _pause(model: str) -> None:
    if "slow" in model:
        await asyncio.sleep(SLOW)


def _error(status: int, message: str, anthropic: bool, code: str | None = None) -> Response:
    if anthropic:
        kind = ANTHROPIC_ERRORS.get(status, "api_error")
        body: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}}
    else:
        default = "server_error" if status >= 500 else "invalid_request_error"
        kind = OPENAI_ERRORS.get(status, default)
        body = {"error": {"message": message, "type": kind, "code": code}}
    return JSONResponse(body, status_code=status)


def upstream_fixture() -> Iterator[Upstream]:
    """A started provider, stopped when the generator closes (a fixture's body)."""
    provider = Upstream().start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    yield from upstream_fixture()
