"""Platforms: a deployment's top level, each with its tenants and module switches."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.errors import FieldError
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.modules.tenancy.exceptions import (
    DefaultPlatformProtected,
    PlatformCodeTaken,
    PlatformNotEmpty,
    PlatformNotFound,
)
from orion.modules.tenancy.models import Platform
from orion.modules.tenancy.repository import PlatformRepository, TenantRepository
from orion.modules.tenancy.schemas import PlatformCreate, PlatformsPublic, PlatformUpdate
from orion.modules.tenancy.services.common import insert_unique

DEFAULT_PLATFORM_CODE = "default"
DEFAULT_PLATFORM_NAME = "Default platform"


def list_platforms(session: Session, *, page: Page | None = None) -> tuple[list[Platform], int]:
    return PlatformRepository(session).page(None, page, Platform.created_at)


def platforms_listing(session: Session, *, page: Page | None = None) -> PlatformsPublic:
    return PlatformRepository(session).listing(PlatformsPublic, None, page, Platform.created_at)


def get_platform(session: Session, platform_id: uuid.UUID) -> Platform:
    return PlatformRepository(session).get(platform_id)


def platform_by_code(session: Session, code: str) -> Platform:
    platform = PlatformRepository(session).by_code(code)
    if platform is None:
        raise PlatformNotFound(f"no platform has the code {code!r}", code=code)
    return platform


def create_platform(session: Session, *, data: PlatformCreate) -> Platform:
    def taken() -> PlatformCodeTaken:
        return PlatformCodeTaken(
            f"a platform with code {data.code!r} exists",
            errors=[FieldError("code", "already taken", "unique")],
        )

    if PlatformRepository(session).by_code(data.code) is not None:
        raise taken()
    platform = Platform(code=data.code, name=data.name, settings=data.settings)
    insert_unique(session, platform, taken)
    return platform


def update_platform(session: Session, platform_id: uuid.UUID, *, data: PlatformUpdate) -> Platform:
    platform = get_platform(session, platform_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "settings"):
        if changes.get(field) is not None:
            setattr(platform, field, changes[field])
    session.flush()
    return platform


def delete_platform(session: Session, platform_id: uuid.UUID) -> None:
    platforms = PlatformRepository(session)
    platform = platforms.get(platform_id)
    if platform.id == DEFAULT_PLATFORM_ID:
        raise DefaultPlatformProtected("the default platform cannot be deleted")
    if TenantRepository(session).on_platform(platform.id):
        raise PlatformNotEmpty(
            f"platform {platform.code} still has tenants; delete or move them first"
        )
    platforms.drop_module_switches(platform.id)
    platforms.delete(platform)


def ensure_default_platform(session: Session) -> Platform:
    """The default platform (the migration inserts it; this repairs a database without it)."""
    platforms = PlatformRepository(session)
    platform = platforms.find(DEFAULT_PLATFORM_ID)
    if platform is None:
        platform = platforms.add(
            Platform(
                id=DEFAULT_PLATFORM_ID,
                code=DEFAULT_PLATFORM_CODE,
                name=DEFAULT_PLATFORM_NAME,
                settings={},
            )
        )
    return platform
