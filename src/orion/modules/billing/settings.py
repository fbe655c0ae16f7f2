"""The billing module's deployment-wide settings: ORION_MODULES__BILLING__<FIELD>."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr


class BillingSettings(BaseModel):
    """Stripe credentials and how billing behaves. Without `stripe_api_key`, subscriptions
    are kept locally only (free plans, development)."""

    model_config = ConfigDict(extra="forbid")

    stripe_api_key: SecretStr | None = Field(default=None, description="sk_live_... / sk_test_...")
    stripe_webhook_secret: SecretStr | None = Field(
        default=None, description="whsec_...: the signing secret of the webhook endpoint"
    )
    stripe_api_base: HttpUrl | None = Field(
        default=None, description="Another Stripe API address (a test server); none: Stripe's"
    )
    stripe_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    stripe_max_retries: int = Field(default=2, ge=0, le=5)
    webhook_tolerance_seconds: int = Field(
        default=300, ge=1, le=3600, description="How old a signed webhook may be"
    )
    past_due_grace_days: int = Field(
        default=14, ge=0, le=90, description="Days past due before a subscription expires"
    )
    sync_every_minutes: int = Field(
        default=50, ge=1, le=1440, description="How long a subscription synced stays claimed"
    )
    event_retention_days: int = Field(default=90, ge=7, le=3650)
    checkout_success_url: str = "https://example.com/billing/success"
    checkout_cancel_url: str = "https://example.com/billing/cancel"


def settings_from(values: dict[str, Any] | None) -> BillingSettings:
    return BillingSettings.model_validate(values or {})
