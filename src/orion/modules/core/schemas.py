from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlatformSettingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    value: Any
    updated_at: datetime


class PlatformSettingsPublic(BaseModel):
    data: list[PlatformSettingPublic]
    count: int


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


class ModulesPublic(BaseModel):
    data: list[ModulePublic]
    count: int


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


class MenuPublic(BaseModel):
    data: list[MenuItemPublic]
    count: int


class HealthSnapshotPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    check: str
    ok: bool
    detail: str
    duration_ms: float
    checked_at: datetime


class HealthSnapshotsPublic(BaseModel):
    data: list[HealthSnapshotPublic]
    count: int
