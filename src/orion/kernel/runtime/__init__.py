"""The runtime: settings, registry, database, module states, event bus and Celery, together.

One runtime is built per process (the API server, a worker, a CLI call) from the settings
and handed to everything that needs it; sessions carry it in `session.info`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from orion.kernel.contract.modules import Registry, RegistryError
from orion.kernel.contract.points import TENANT_DIRECTORY, TenantDirectory
from orion.kernel.data.db import Database
from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.errors import TenantNotFound
from orion.kernel.runtime.activation import ModuleStateService, SinglePlatformDirectory
from orion.kernel.runtime.events import EventBus
from orion.kernel.runtime.principals import PrincipalCache, build_principal_cache
from orion.kernel.security import Jwt, SecretBox
from orion.settings import OrionSettings

if TYPE_CHECKING:
    from celery import Celery


@dataclass
class Runtime:
    settings: OrionSettings
    registry: Registry
    database: Database
    celery: Celery | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # Awaited by the API server before it stops: work its requests left running on the
    # event loop (a stream still being read and billed after its client left).
    drains: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @cached_property
    def modules(self) -> ModuleStateService:
        return ModuleStateService(self.registry)

    @cached_property
    def events(self) -> EventBus:
        return EventBus(self)

    @cached_property
    def principals(self) -> PrincipalCache:
        """Who verified credentials are, remembered for the request path (principals.py)."""
        return build_principal_cache(self.settings)

    @cached_property
    def jwt(self) -> Jwt:
        return Jwt(self.settings)

    @cached_property
    def secrets(self) -> SecretBox:
        return SecretBox(self.settings)

    @cached_property
    def directory(self) -> TenantDirectory:
        return self.registry.provider(TENANT_DIRECTORY) or SinglePlatformDirectory()

    def tenant_context(self, session: Session, tenant_id: uuid.UUID) -> TenantContext:
        with all_tenants(session):
            platform_id = self.directory.platform_of(session, tenant_id)
        if platform_id is None and self.registry.provider(TENANT_DIRECTORY) is not None:
            raise TenantNotFound(f"tenant {tenant_id} does not exist")
        return TenantContext(tenant_id=tenant_id, platform_id=platform_id)

    def send_task(self, name: str, *, kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
        if self.celery is None:
            raise RuntimeError("this runtime has no Celery app; build it with create_celery()")
        return self.celery.send_task(name, kwargs=kwargs or {}, **options)

    def start(self) -> None:
        """Run every module's `on_startup(runtime)` once per process."""
        if self.extras.get("started"):
            return
        self.extras["started"] = True
        self._run_hooks("on_startup")

    def stop(self) -> None:
        if self.extras.pop("started", False):
            self._run_hooks("on_shutdown")

    def _run_hooks(self, hook: str) -> None:
        for definition in self.registry.ordered:
            function = self.registry.hook(definition.code, hook)
            if function is not None:
                function(self)

    def close(self) -> None:
        self.database.dispose()


def build_runtime(settings: OrionSettings, *, registry: Registry | None = None) -> Runtime:
    registry = registry or Registry.discover(settings.extra_modules)
    for point, code in settings.providers.items():
        registry.choose_provider(point, code)
    _validate_module_settings(settings, registry)
    registry.import_models()
    database = Database(
        settings.database_url, echo=settings.database_echo, pool_size=settings.database_pool_size
    )
    runtime = Runtime(settings=settings, registry=registry, database=database)
    database.bind_info(**{"orion.runtime": runtime})
    return runtime


def _validate_module_settings(settings: OrionSettings, registry: Registry) -> None:
    from pydantic import ValidationError

    from orion.settings import SettingsError

    for code, values in settings.modules.items():
        if code not in registry:
            raise SettingsError(f"ORION_MODULES__{code.upper()}: no module {code} is installed")
        schema = registry.get(code).settings
        if schema is None:
            raise SettingsError(f"ORION_MODULES__{code.upper()}: module {code} takes no settings")
        unknown = sorted(set(values) - set(schema.model_fields))
        if unknown:
            # A misspelt setting silently left at its default is worse than a refusal.
            names = ", ".join(f"ORION_MODULES__{code.upper()}__{key.upper()}" for key in unknown)
            raise SettingsError(
                f"invalid module settings: {names}: module {code} has no such setting"
            )
        try:
            schema.model_validate(values)
        except ValidationError as exc:
            bad = "; ".join(
                f"ORION_MODULES__{code.upper()}__{str(e['loc'][0]).upper()}: {e['msg']}"
                for e in exc.errors()
            )
            raise SettingsError(f"invalid module settings: {bad}") from None


__all__ = ["RegistryError", "Runtime", "build_runtime", "runtime_of"]


def runtime_of(session: Session) -> Runtime:
    """The runtime a session was opened by."""
    return session.info["orion.runtime"]
