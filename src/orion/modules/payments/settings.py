"""The payments module's deployment-wide settings: ORION_MODULES__PAYMENTS__<FIELD>.

Stripe keys are not here: each tenant (merchant) is paid into its own Stripe account and
stores its keys, sealed, through the API or console (`payments_stripe_account`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class PaymentsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stripe_api_base: HttpUrl | None = Field(
        default=None, description="Another Stripe API address (a test server); none: Stripe's"
    )
    stripe_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    stripe_max_retries: int = Field(default=1, ge=0, le=5)
    webhook_tolerance_seconds: int = Field(
        default=300, ge=1, le=3600, description="How old a signed webhook may be"
    )
    settle_after_minutes: int = Field(
        default=10,
        ge=1,
        le=1440,
        description="A capture or refund still pending this long is asked again (same key)",
    )


def settings_from(values: dict[str, Any] | None) -> PaymentsSettings:
    return PaymentsSettings.model_validate(values or {})
