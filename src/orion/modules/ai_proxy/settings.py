"""Deployment-wide AI proxy settings: ORION_MODULES__AI_PROXY__<NAME>=value."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AiProxySettings(BaseModel):
    requests_per_minute: int = Field(
        default=600, ge=0, description="Calls per minute per tenant (0: no limit)"
    )
    tokens_per_minute: int = Field(
        default=2_000_000, ge=0, description="Tokens per minute per tenant (0: no limit)"
    )
    token_requests_per_minute: int = Field(
        default=0, ge=0, description="Calls per minute per access token (0: no limit)"
    )
    token_tokens_per_minute: int = Field(
        default=0, ge=0, description="Tokens per minute per access token (0: no limit)"
    )
    retries: int = Field(
        default=1, ge=0, le=5, description="Retries of a failing model before its fallbacks"
    )
    retry_backoff_seconds: float = Field(
        default=0.25, ge=0, le=30, description="First wait between retries (doubles each time)"
    )
    connect_timeout_seconds: float = Field(default=10, gt=0, le=120)
    read_timeout_seconds: float = Field(
        default=120, gt=0, le=3600, description="Longest wait for the provider's next bytes"
    )
    hold_minutes: int = Field(
        default=30, ge=1, le=1440, description="How long a call's credit hold may stay open"
    )
