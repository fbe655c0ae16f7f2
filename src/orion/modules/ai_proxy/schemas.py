"""AI proxy schemas: the OpenAI-compatible requests (validated where Orion depends on a
field, passed through otherwise), the model catalogue, rate limits and usage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null

ModelName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\w.:/@+-]+$")]
Price = Annotated[int, Field(ge=0, le=10**12, description="Credits per million tokens")]
Limit = Annotated[int, Field(ge=0, le=10**12, description="Per minute; 0 is no limit")]


class ModelKind(StrEnum):
    CHAT = "chat"
    EMBEDDING = "embedding"


class ModelProvider(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OPENAI_COMPATIBLE = "openai_compatible"


# -- the OpenAI-compatible surface -------------------------------------------------------------


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    # A string, a list of content parts, or null (an assistant message with tool calls).
    content: str | list[dict[str, Any]] | None = Field(
        default=None, json_schema_extra={"multiline": True}
    )


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionCreate(BaseModel):
    """`POST /v1/chat/completions`. Fields not named here (temperature, tools, ...) are
    passed to the provider as they are."""

    model_config = ConfigDict(extra="allow")

    model: ModelName
    messages: list[ChatMessage] = Field(min_length=1, max_length=10_000)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(default=None, ge=1, le=1)  # one choice: its cost is what is held

    @property
    def output_cap(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    @property
    def wants_usage_chunk(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


class EmbeddingCreate(BaseModel):
    """`POST /v1/embeddings`."""

    model_config = ConfigDict(extra="allow")

    model: ModelName
    input: str | list[str] | list[int] | list[list[int]]

    @field_validator("input")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if value == "" or value == []:
            raise ValueError("must not be empty")
        return value


# -- the catalogue -----------------------------------------------------------------------------


class AiModelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ModelName = Field(description="What callers send as `model`")
    kind: ModelKind = ModelKind.CHAT
    provider: ModelProvider
    upstream_model: ModelName | None = Field(
        default=None, description="The provider's name for it; defaults to `name`"
    )
    input_price: Price
    output_price: Price = 0
    max_output_tokens: int = Field(default=4096, ge=1, le=1_000_000)
    fallbacks: list[ModelName] = Field(default_factory=list, max_length=5)
    is_active: bool = True


class AiModelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upstream_model: ModelName | None = None
    input_price: Price | None = None
    output_price: Price | None = None
    max_output_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    fallbacks: list[ModelName] | None = Field(default=None, max_length=5)
    is_active: bool | None = None

    # May be left out (unchanged), never null: a model has each (no fallbacks: []).
    _required = not_null(
        "upstream_model", "input_price", "output_price", "max_output_tokens", "fallbacks",
        "is_active",
    )  # fmt: skip


class AiModelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform_id: uuid.UUID
    name: str
    kind: ModelKind
    provider: ModelProvider
    upstream_model: str
    input_price: int
    output_price: int
    max_output_tokens: int
    fallbacks: list[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime


AiModelsPublic = Listing[AiModelPublic]


# -- rate limits -------------------------------------------------------------------------------


class AiTenantLimitsUpdate(BaseModel):
    """Null: the deployment's default (ORION_MODULES__AI_PROXY__...). Zero: no limit."""

    model_config = ConfigDict(extra="forbid")

    requests_per_minute: Limit | None = None
    tokens_per_minute: Limit | None = None
    token_requests_per_minute: Limit | None = None
    token_tokens_per_minute: Limit | None = None


class AiTenantLimitsPublic(BaseModel):
    """The limits in force for the tenant (its own, else the defaults)."""

    tenant_id: uuid.UUID
    requests_per_minute: int
    tokens_per_minute: int
    token_requests_per_minute: int
    token_tokens_per_minute: int


# -- usage -------------------------------------------------------------------------------------


class AiUsagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    request_id: str | None
    principal: str
    endpoint: str
    model: str
    served_by: str | None
    provider: str | None
    key_source: str | None
    stream: bool
    input_tokens: int
    output_tokens: int
    usage_estimated: bool
    held: int
    cost: int
    attempts: int
    latency_ms: int
    status: str
    error: str | None
    created_at: datetime


AiUsagesPublic = Listing[AiUsagePublic]


class AiUsageTotal(BaseModel):
    day: date
    model: str
    requests: int
    failed: int
    input_tokens: int
    output_tokens: int
    cost: int


class AiUsageTotalsPublic(BaseModel):
    data: list[AiUsageTotal]
    since: date
    until: date
