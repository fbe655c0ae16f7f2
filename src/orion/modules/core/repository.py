"""Queries on core's models: a platform's settings and the health history."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.core.models import HealthSnapshot, PlatformSetting


class PlatformSettingRepository(RepositoryBase[PlatformSetting]):
    model = PlatformSetting

    def of_platform(self, platform_id: uuid.UUID) -> Select[Any]:
        return self.select().where(PlatformSetting.platform_id == platform_id)

    def by_key(self, platform_id: uuid.UUID, key: str) -> PlatformSetting | None:
        return self.first(self.of_platform(platform_id).where(PlatformSetting.key == key))


class HealthSnapshotRepository(RepositoryBase[HealthSnapshot]):
    model = HealthSnapshot

    def of_check(self, check: str | None) -> Select[Any]:
        query = self.select()
        return query.where(HealthSnapshot.check == check) if check else query
