"""Deployment-wide tenancy options (ORION_MODULES__TENANCY__...)."""

from pydantic import BaseModel, Field


class TenancySettings(BaseModel):
    invitation_days: int = Field(
        default=7, ge=1, le=90, description="How long an invitation can be accepted"
    )
