"""Platform settings, module administration, the menu, and the health history."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.contract.principal import Principal
from orion.kernel.data.paging import Page
from orion.kernel.runtime import Runtime, runtime_of
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.observability import run_health_checks
from orion.kernel.tooling.migrate import pending_heads
from orion.modules.core.events import HealthDegraded, PlatformSettingChanged
from orion.modules.core.exceptions import SettingNotFound
from orion.modules.core.models import HealthSnapshot, PlatformSetting
from orion.modules.core.repository import HealthSnapshotRepository, PlatformSettingRepository
from orion.modules.core.schemas import (
    HealthSnapshotsPublic,
    MenuItemPublic,
    ModuleChangePublic,
    ModulePublic,
    PlatformSettingsPublic,
)

# -- platform settings -------------------------------------------------------------------


def list_settings(
    session: Session, platform_id: uuid.UUID, *, page: Page
) -> tuple[list[PlatformSetting], int]:
    settings = PlatformSettingRepository(session)
    return settings.page(settings.of_platform(platform_id), page, PlatformSetting.key)


def settings_listing(
    session: Session, platform_id: uuid.UUID, *, page: Page
) -> PlatformSettingsPublic:
    """The list route's page (`list_settings` gives ORM rows)."""
    settings = PlatformSettingRepository(session)
    return settings.listing(
        PlatformSettingsPublic, settings.of_platform(platform_id), page, PlatformSetting.key
    )


def get_setting(session: Session, platform_id: uuid.UUID, key: str) -> PlatformSetting:
    setting = PlatformSettingRepository(session).by_key(platform_id, key)
    if setting is None:
        raise SettingNotFound(f"platform setting {key} is not set", key=key)
    return setting


def set_setting(session: Session, platform_id: uuid.UUID, key: str, value: Any) -> PlatformSetting:
    settings = PlatformSettingRepository(session)
    setting = settings.by_key(platform_id, key)
    if setting is None:
        setting = PlatformSetting(platform_id=platform_id, key=key)
    setting.value = value
    settings.add(setting)
    publish(session, PlatformSettingChanged(platform_id=platform_id, key=key, value=value))
    return setting


def delete_setting(session: Session, platform_id: uuid.UUID, key: str) -> None:
    PlatformSettingRepository(session).delete(get_setting(session, platform_id, key))


def seed_demo(session: Session, runtime: Runtime) -> None:
    """`orion demo`: name the default platform (kept if an operator already did)."""
    platform_id = runtime.directory.default_platform_id(session)
    defaults = {"platform.name": "Orion demo", "platform.support_email": "support@orion.test"}
    existing = {s.key for s in list_settings(session, platform_id, page=Page(limit=500))[0]}
    for key, value in defaults.items():
        if key not in existing:
            set_setting(session, platform_id, key, value)


# -- modules -----------------------------------------------------------------------------


def list_modules(
    session: Session, *, platform_id: uuid.UUID, tenant_id: uuid.UUID | None = None
) -> list[ModulePublic]:
    runtime = runtime_of(session)
    enabled = runtime.modules.enabled_codes(session, platform_id=platform_id, tenant_id=tenant_id)
    return [
        ModulePublic(
            code=d.code,
            name=d.name,
            description=d.description,
            version=d.version,
            tier=d.tier.value,
            requires=list(d.requires),
            enabled=d.code in enabled,
        )
        for d in runtime.registry.ordered
    ]


def change_module(
    session: Session, code: str, *, enable: bool, scope: ModuleScope, with_requirements: bool = True
) -> ModuleChangePublic:
    modules = runtime_of(session).modules
    if enable:
        changed = modules.enable(session, code, scope=scope, with_requirements=with_requirements)
    else:
        changed = modules.disable(session, code, scope=scope)
    return ModuleChangePublic(module=code, changed=changed, enabled=enable)


def menu_for(session: Session, principal: Principal) -> list[MenuItemPublic]:
    """The menu items of the modules enabled for the principal, filtered by permission."""
    runtime = runtime_of(session)
    sections = {"platform"} if principal.is_superadmin else set()
    enabled: frozenset[str] = frozenset()
    if principal.tenant is not None and principal.tenant.platform_id is not None:
        sections.add("tenant")
        enabled = runtime.modules.enabled_codes(
            session,
            platform_id=principal.tenant.platform_id,
            tenant_id=principal.tenant.tenant_id,
        )
    items = [
        (
            item.order,
            MenuItemPublic(
                section=item.section,
                label=item.label,
                path=item.path,
                module=d.code,
                icon=item.icon,
            ),
        )
        for d in runtime.registry.ordered
        for item in d.menu
        if item.section in sections
        and (item.section == "platform" or d.always_on or d.code in enabled)
        and (item.permission is None or principal.can(item.permission))
    ]
    return [item for _order, item in sorted(items, key=lambda pair: (pair[1].section, pair[0]))]


# -- health --------------------------------------------------------------------------------


def snapshot_health(session: Session) -> list[HealthSnapshot]:
    """Run every readiness check, keep the results, announce the failing ones."""
    results = run_health_checks(runtime_of(session))
    snapshots = [
        HealthSnapshot(check=r.name, ok=r.ok, detail=r.detail[:2000], duration_ms=r.duration_ms)
        for r in results
    ]
    session.add_all(snapshots)
    session.flush()
    failing = [r.name for r in results if not r.ok]
    if failing:
        publish(session, HealthDegraded(failing=failing))
    return snapshots


def health_history(
    session: Session, *, page: Page, check: str | None = None
) -> tuple[list[HealthSnapshot], int]:
    snapshots = HealthSnapshotRepository(session)
    return snapshots.page(snapshots.of_check(check), page, HealthSnapshot.checked_at.desc())


def health_history_listing(
    session: Session, *, page: Page, check: str | None = None
) -> HealthSnapshotsPublic:
    """The list route's page (`health_history` gives ORM rows)."""
    snapshots = HealthSnapshotRepository(session)
    return snapshots.listing(
        HealthSnapshotsPublic, snapshots.of_check(check), page, HealthSnapshot.checked_at.desc()
    )


def migrations_applied(session: Session) -> str:
    """Health check: every migration head is applied to the database."""
    missing = pending_heads(runtime_of(session))
    if missing:
        raise RuntimeError(f"migrations not applied: {', '.join(missing)}; run `orion db upgrade`")
    return "all heads applied"
