"""Deployment-wide auth settings: ORION_MODULES__AUTH__<NAME>=value."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuthSettings(BaseModel):
    login_failures_per_account: int = Field(
        default=5, ge=1, description="Failed sign-ins allowed per account within the window"
    )
    login_failures_per_address: int = Field(
        default=20, ge=1, description="Failed sign-ins allowed per client address within the window"
    )
    login_window_seconds: int = Field(
        default=900, ge=1, description="The throttling window (seconds)"
    )
    password_reset_minutes: int = Field(
        default=60, ge=1, le=1440, description="How long a password reset token stays valid"
    )
    password_resets_per_hour: int = Field(
        default=5, ge=1, description="Reset emails sent per account per hour (more are dropped)"
    )
