"""AI proxy errors: each has a stable `code`. Under /v1 they are answered in OpenAI's error
shape (see `openai_errors`); elsewhere as problem+json."""

from __future__ import annotations

from orion.kernel.errors import (
    BadRequest,
    Conflict,
    NotFound,
    OrionError,
    PaymentRequired,
    TooManyRequests,
    ValidationFailed,
)


class AiProxyError(OrionError):
    code = "ai_proxy_error"


class ModelNotFound(AiProxyError, NotFound):
    code = "model_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"the model {name!r} does not exist or is not offered", param="model")


class WrongModelKind(AiProxyError, BadRequest):
    code = "wrong_model_kind"

    def __init__(self, name: str, kind: str) -> None:
        super().__init__(f"the model {name!r} is a {kind} model", param="model")


class ModelNameTaken(AiProxyError, Conflict):
    code = "model_name_taken"


class InvalidModel(AiProxyError, ValidationFailed):
    code = "invalid_model"


class CreditsExhausted(AiProxyError, PaymentRequired):
    """Answered before any upstream call: the balance and what the call could cost."""

    code = "insufficient_credits"

    def __init__(self, *, balance: int, estimate: int) -> None:
        super().__init__(
            f"insufficient credits: the balance is {balance}, this call may cost up to "
            f"{estimate}; lower max_tokens or top up",
            balance=balance,
            estimate=estimate,
        )


class RateLimited(AiProxyError, TooManyRequests):
    code = "rate_limit_exceeded"


class UpstreamFailed(AiProxyError):
    """The provider (and every fallback) failed. `status` is the provider's own for its
    4xx answers (the caller's request was refused), else 502 (or 504 on a timeout)."""

    status = 502
    code = "upstream_error"
