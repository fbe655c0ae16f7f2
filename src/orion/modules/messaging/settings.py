"""The messaging module's deployment-wide settings: ORION_MODULES__MESSAGING__<FIELD>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MessagingSettings(BaseModel):
    """Where attachments are kept and how large they may be."""

    model_config = ConfigDict(extra="forbid")

    storage_dir: Path | None = Field(
        default=None,
        description="Folder of attachment files; default: `messaging-files` next to the "
        "SQLite database, else in the system's temporary folder",
    )
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
    max_attachments: int = Field(default=5, ge=1, le=20, description="Files per message")


def settings_from(values: dict[str, Any] | None) -> MessagingSettings:
    return MessagingSettings.model_validate(values or {})
