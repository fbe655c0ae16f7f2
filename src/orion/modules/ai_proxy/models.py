"""AI proxy models: the platform's model catalogue (what may be called, through which
provider, at what price), per-tenant rate limits, and one usage record per call.

Prices are integers: credits per million tokens, as providers publish theirs. A call's cost
is `ceil((input_tokens * input_price + output_tokens * output_price) / 1_000_000)`.
After changing a model: `orion db revision --module ai_proxy -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, JSONType, TenantScoped, Timestamps, UUIDPrimaryKey

PROVIDERS = ("openai", "anthropic", "openai_compatible")
KINDS = ("chat", "embedding")
STATUSES = ("ok", "failed", "disconnected")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AiModel(UUIDPrimaryKey, Timestamps, Base):
    """A model a platform's tenants may call, by its public `name`."""

    __tablename__ = "ai_proxy_model"
    __table_args__ = (
        UniqueConstraint("platform_id", "name"),
        CheckConstraint(_one_of("provider", PROVIDERS), name="provider"),
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint("input_price >= 0 AND output_price >= 0", name="prices_not_negative"),
        CheckConstraint("max_output_tokens > 0", name="max_output_positive"),
    )

    platform_id: Mapped[uuid.UUID] = mapped_column()  # the unique constraint indexes it
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="chat")
    provider: Mapped[str] = mapped_column(String(32))
    upstream_model: Mapped[str] = mapped_column(String(200))
    input_price: Mapped[int] = mapped_column(BigInteger)  # credits per 1M input tokens
    output_price: Mapped[int] = mapped_column(BigInteger)  # credits per 1M output tokens
    max_output_tokens: Mapped[int] = mapped_column(default=4096)
    # Names of other models of the platform tried, in order, when this one keeps failing.
    fallbacks: Mapped[list[str]] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)


class AiTenantLimits(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A tenant's own rate limits; a null field falls back to the deployment's default.
    Zero means no limit."""

    __tablename__ = "ai_proxy_tenant_limits"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column()  # the unique constraint indexes it
    requests_per_minute: Mapped[int | None]
    tokens_per_minute: Mapped[int | None] = mapped_column(BigInteger)
    token_requests_per_minute: Mapped[int | None]  # for each access token of the tenant
    token_tokens_per_minute: Mapped[int | None] = mapped_column(BigInteger)


class AiUsage(UUIDPrimaryKey, TenantScoped, Base):
    """One call through the proxy, written after it ended (off the request's path)."""

    __tablename__ = "ai_proxy_usage"
    __table_args__ = (
        Index("ix_ai_proxy_usage_tenant_id_created_at", "tenant_id", "created_at"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column()  # indexed with created_at
    request_id: Mapped[str | None] = mapped_column(String(64))
    principal: Mapped[str] = mapped_column(String(80))  # "token:<id>" or "user:<id>"
    user_id: Mapped[uuid.UUID | None]
    endpoint: Mapped[str] = mapped_column(String(32))  # chat.completions, embeddings
    model: Mapped[str] = mapped_column(String(200))  # the model asked for
    served_by: Mapped[str | None] = mapped_column(String(200))  # the model that answered
    provider: Mapped[str | None] = mapped_column(String(32))
    key_source: Mapped[str | None] = mapped_column(String(16))  # tenant or platform
    stream: Mapped[bool] = mapped_column(default=False)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    usage_estimated: Mapped[bool] = mapped_column(default=False)  # the provider said nothing
    held: Mapped[int] = mapped_column(BigInteger, default=0)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_id: Mapped[uuid.UUID | None]
    attempts: Mapped[int] = mapped_column(default=1)
    latency_ms: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
