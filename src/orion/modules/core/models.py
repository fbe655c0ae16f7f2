from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, JSONType, Timestamps, UUIDPrimaryKey, utcnow


class PlatformSetting(UUIDPrimaryKey, Timestamps, Base):
    """One key of a platform's settings; values are JSON."""

    __tablename__ = "core_platform_setting"
    __table_args__ = (UniqueConstraint("platform_id", "key"),)

    platform_id: Mapped[uuid.UUID] = mapped_column(index=True)
    key: Mapped[str] = mapped_column(String(128))
    value: Mapped[Any] = mapped_column(JSONType)


class HealthSnapshot(UUIDPrimaryKey, Base):
    """The result of one readiness check at one time: the health history operators read."""

    __tablename__ = "core_health_snapshot"

    check: Mapped[str] = mapped_column(String(128), index=True)
    ok: Mapped[bool]
    detail: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[float]
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
