"""What a call may cost before it is made, and what it cost after.

Before the upstream call the proxy holds the worst case: every input token the request can
amount to plus the most output it allows. Byte-level BPE tokenizers (OpenAI's, Anthropic's)
never make a token of less than one byte, so the UTF-8 size of the text is a bound on its
tokens that needs no tokenizer (over-holding is given back when the call settles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

PER_MESSAGE = 8  # role and framing tokens around each message, generously
PER_IMAGE = 1600  # OpenAI's and Anthropic's most for one image part
BYTES_PER_TOKEN_ESTIMATE = 4  # for text whose usage the provider never reported


@dataclass(frozen=True, slots=True)
class Price:
    """Credits per million input and output tokens."""

    input: int
    output: int

    def cost(self, input_tokens: int, output_tokens: int) -> int:
        micro = input_tokens * self.input + output_tokens * self.output
        return -(-micro // 1_000_000)  # integer ceiling: a fraction of a credit is a credit


def input_token_bound(body: dict[str, Any]) -> int:
    """An upper bound of the input tokens of a chat or embeddings request."""
    if "messages" in body:
        tokens = 0
        for message in body["messages"]:
            tokens += PER_MESSAGE + _content_bound(message.get("content"))
            for call in message.get("tool_calls") or ():
                tokens += len(orjson.dumps(call))
        for extra in ("tools", "functions", "response_format"):
            if body.get(extra):
                tokens += len(orjson.dumps(body[extra]))
        return tokens
    return _embedding_input_bound(body.get("input"))


def output_token_cap(requested: int | None, model_max: int) -> int:
    """The most output a call may produce: what it asks for, capped at the model's most."""
    return min(requested, model_max) if requested else model_max


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode()) / BYTES_PER_TOKEN_ESTIMATE)


def _content_bound(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return len(content.encode())
    tokens = 0
    for part in content:
        if part.get("type") == "text":
            tokens += len(str(part.get("text", "")).encode())
        elif part.get("type") in ("image_url", "input_image", "image"):
            tokens += PER_IMAGE
        else:
            tokens += len(orjson.dumps(part))
    return tokens


def _embedding_input_bound(value: Any) -> int:
    if isinstance(value, str):
        return max(1, len(value.encode()))
    if isinstance(value, list) and value and isinstance(value[0], int):
        return len(value)  # already tokens
    total = 0
    for item in value or ():
        total += len(item) if isinstance(item, list) else max(1, len(str(item).encode()))
    return total
