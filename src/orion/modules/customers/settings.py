"""Deployment-wide customers settings: ORION_MODULES__CUSTOMERS__<NAME>=value."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CustomersSettings(BaseModel):
    session_days: int = Field(
        default=30, ge=1, le=365, description="How long a customer stays signed in"
    )
    sign_in_failures_per_account: int = Field(
        default=5, ge=1, description="Failed sign-ins allowed per customer account in the window"
    )
    sign_in_failures_per_address: int = Field(
        default=20, ge=1, description="Failed sign-ins allowed per client address in the window"
    )
    sign_in_window_seconds: int = Field(
        default=900, ge=1, le=86_400, description="The sign-in throttling window (seconds)"
    )
    password_reset_minutes: int = Field(
        default=60, ge=1, le=1440, description="How long a password reset token stays valid"
    )
    password_resets_per_hour: int = Field(
        default=5, ge=1, description="Reset mails sent per customer per hour (more are dropped)"
    )
    password_reset_url: str | None = Field(
        default=None,
        description=(
            "The storefront's reset page, with {token}, {store_id} and {store_code} filled in "
            "(https://shop.example/{store_code}/reset?token={token}); without it the mail "
            "gives the code to type on the store's reset form"
        ),
    )
