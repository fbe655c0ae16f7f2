"""The marketplace module's deployment-wide settings: ORION_MODULES__MARKETPLACE__<FIELD>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MarketplaceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    letzshop_url: str = Field(
        default="https://letzshop.lu/graphql", description="Letzshop's GraphQL endpoint"
    )
    storage_dir: Path | None = Field(
        default=None,
        description="Folder of uploaded feeds, error reports and exports; default: "
        "`marketplace-files` next to the SQLite database, else in the temporary folder",
    )
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1024)
    import_chunk_rows: int = Field(default=2000, ge=1, le=50_000)
    # A running import whose worker has not written for this long is taken over.
    import_lease_seconds: int = Field(default=120, ge=1, le=86_400)
    export_retention_days: int = Field(default=7, ge=1, le=365)
    # Letzshop calls: seconds per try, tries on 5xx and throttling, the first backoff.
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    max_attempts: int = Field(default=4, ge=1, le=20)
    backoff_seconds: float = Field(default=1.0, ge=0, le=60)
    max_retry_after_seconds: float = Field(default=120, ge=0, le=3600)
    page_size: int = Field(default=50, ge=1, le=500)


def settings_from(values: dict[str, Any] | None) -> MarketplaceSettings:
    return MarketplaceSettings.model_validate(values or {})
