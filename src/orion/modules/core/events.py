from __future__ import annotations

import uuid
from typing import Any, ClassVar

from orion.kernel.runtime.events import Event


class PlatformSettingChanged(Event):
    name: ClassVar[str] = "core.platform_setting_changed"

    platform_id: uuid.UUID
    key: str
    value: Any


class HealthDegraded(Event):
    name: ClassVar[str] = "core.health_degraded"

    failing: list[str]
