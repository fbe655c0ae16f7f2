"""What monitoring's services share: the module's settings."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orion.kernel.runtime import Runtime, runtime_of
from orion.modules.monitoring.settings import MonitoringSettings


def settings_of(runtime: Runtime) -> MonitoringSettings:
    return MonitoringSettings.model_validate(runtime.settings.modules.get("monitoring", {}))


def session_settings(session: Session) -> MonitoringSettings:
    return settings_of(runtime_of(session))
