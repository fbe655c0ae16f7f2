"""The provider `ai_proxy.py` measures against: an OpenAI-compatible server that answers at once.

    .venv/bin/python bench/ai_upstream.py --port 8100

`POST /v1/chat/completions` answers a fixed nine-word reply with `usage` (12 prompt tokens,
9 completion tokens), as one JSON body or, with `"stream": true`, as server-sent events:
a role chunk, one chunk per word, the finish chunk, the usage chunk when
`stream_options.include_usage` is set, and `data: [DONE]`. `GET /v1/models` lists the
model asked for last; `GET /health` answers 200. Any bearer key is accepted.

A raw asyncio protocol (uvloop when installed) with httptools' parser, HTTP/1.1 keep-alive:
no framework, so that what it costs is as little as a Python server can make it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time

import httptools
import orjson

WORDS = ["The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog."]
PROMPT_TOKENS = 12
USAGE = {
    "prompt_tokens": PROMPT_TOKENS,
    "completion_tokens": len(WORDS),
    "total_tokens": PROMPT_TOKENS + len(WORDS),
}


def completion(model: str) -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": " ".join(WORDS)},
                    "finish_reason": "stop",
                }
            ],
            "usage": USAGE,
        }
    )


def stream(model: str, include_usage: bool) -> bytes:
    created = int(time.time())

    def chunk(choices: list, **extra: object) -> bytes:
        body = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": choices,
            **extra,
        }
        return b"data: " + orjson.dumps(body) + b"\n\n"

    def delta(content: dict, finish: str | None = None) -> list:
        return [{"index": 0, "delta": content, "finish_reason": finish}]

    parts = [chunk(delta({"role": "assistant", "content": ""}))]
    parts += [chunk(delta({"content": (" " if i else "") + w})) for i, w in enumerate(WORDS)]
    parts.append(chunk(delta({}, "stop")))
    if include_usage:
        parts.append(chunk([], usage=USAGE))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def response(status: str, body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (
        b"HTTP/1.1 " + status.encode() + b"\r\ncontent-type: " + content_type + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


NOT_FOUND = response("404 Not Found", b'{"error":{"message":"not found","type":"not_found"}}')
BAD_REQUEST = response(
    "400 Bad Request", b'{"error":{"message":"unreadable body","type":"invalid_request_error"}}'
)
HEALTH = response("200 OK", b'{"status":"ok"}')


class Upstream(asyncio.Protocol):
    last_model = "bench-model"

    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url, self.body = b"", []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.transport is not None
        self.transport.write(self.answer(self.parser.get_method(), self.url.split(b"?")[0]))
        if not self.parser.should_keep_alive():
            self.transport.close()

    def answer(self, method: bytes, path: bytes) -> bytes:
        if method == b"POST" and path == b"/v1/chat/completions":
            try:
                request = orjson.loads(b"".join(self.body))
                model = str(request["model"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                return BAD_REQUEST
            Upstream.last_model = model
            if request.get("stream"):
                usage = bool((request.get("stream_options") or {}).get("include_usage"))
                return response("200 OK", stream(model, usage), b"text/event-stream")
            return response("200 OK", completion(model))
        if method == b"GET" and path == b"/v1/models":
            model = {"id": Upstream.last_model, "object": "model", "created": 0, "owned_by": "b"}
            return response("200 OK", orjson.dumps({"object": "list", "data": [model]}))
        if method == b"GET" and path == b"/health":
            return HEALTH
        return NOT_FOUND


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upstream, host, port, backlog=2048, reuse_address=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    options = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(options.host, options.port))
    else:
        uvloop.run(serve(options.host, options.port))


if __name__ == "__main__":
    main()
