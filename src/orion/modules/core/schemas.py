from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orion.kernel.data.paging import Listing


class PlatformSettingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    value: Any
    updated_at: datetime


PlatformSettingsPublic = Listing[PlatformSettingPublic]


class PlatformSettingUpdate(BaseModel):
    value: Any = Field(description="Any JSON value")


class ModulePublic(BaseModel):
    code: str
    name: str
    description: str
    version: str
    tier: str
    requires: list[str]
    enabled: bool


ModulesPublic = Listing[ModulePublic]


class ModuleChange(BaseModel):
    tenant_id: uuid.UUID | None = Field(
        default=None, description="Override for this tenant only; the platform when omitted"
    )
    with_requirements: bool = Field(
        default=True, description="Enable the modules this one requires as well"
    )


class ModuleChangePublic(BaseModel):
    module: str
    changed: list[str]
    enabled: bool


class MenuItemPublic(BaseModel):
    section: str
    label: str
    path: str
    module: str
    icon: str | None = None


MenuPublic = Listing[MenuItemPublic]


class HealthSnapshotPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    check: str
    ok: bool
    detail: str
    duration_ms: float
    checked_at: datetime


HealthSnapshotsPublic = Listing[HealthSnapshotPublic]
