"""Which modules are on, per platform with per-tenant overrides, and the rules for changing it.

Core and internal modules are always on. An optional module is on for a tenant when the
tenant has an override saying so, or else when its platform has it enabled. Enabling a
module enables its requirements first (or refuses, naming them); disabling a module that an
enabled module requires is refused with the reason. `on_enable`/`on_disable` hooks run in
the same transaction, so a failing hook leaves nothing half-changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from orion.kernel.contract.modules import ModuleDefinition, Registry, Tier
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import Conflict, NotFound
from orion.kernel.runtime.models import PLATFORM_SCOPE, ModuleState
from orion.kernel.runtime.principals import revoke_after_commit

# The platform of a deployment that has no tenancy module (nothing provides a directory).
DEFAULT_PLATFORM_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")


@dataclass(frozen=True, slots=True)
class ModuleScope:
    platform_id: uuid.UUID
    tenant_id: uuid.UUID | None = None

    @property
    def label(self) -> str:
        return f"tenant {self.tenant_id}" if self.tenant_id else f"platform {self.platform_id}"


class SinglePlatformDirectory:
    """One implicit platform and no tenants: the deployment before `tenancy` is installed."""

    def default_platform_id(self, session: Session) -> uuid.UUID:
        return DEFAULT_PLATFORM_ID

    def platform_of(self, session: Session, tenant_id: uuid.UUID) -> uuid.UUID | None:
        return None

    def tenants(
        self, session: Session, platform_id: uuid.UUID | None = None
    ) -> list[TenantContext]:
        return []

    def name_of(self, session: Session, tenant_id: uuid.UUID) -> str | None:
        return None

    def lookup(self, session: Session, reference: str) -> list[TenantContext]:
        return []

    def platform_lookup(self, session: Session, reference: str) -> uuid.UUID | None:
        return DEFAULT_PLATFORM_ID if reference == str(DEFAULT_PLATFORM_ID) else None


class ModuleActivationRefused(Conflict):
    code = "module_activation_refused"


class ModuleStateService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    # -- reading ---------------------------------------------------------------------------

    def enabled_codes(
        self, session: Session, *, platform_id: uuid.UUID, tenant_id: uuid.UUID | None = None
    ) -> frozenset[str]:
        cache_key = ("orion.enabled_modules", platform_id, tenant_id)
        cached = session.info.get(cache_key)
        if cached is not None:
            return cached
        scopes = [PLATFORM_SCOPE] + ([tenant_id] if tenant_id else [])
        rows = session.execute(
            select(ModuleState.module_code, ModuleState.tenant_id, ModuleState.enabled).where(
                ModuleState.platform_id == platform_id, ModuleState.tenant_id.in_(scopes)
            )
        ).all()
        platform = {code: enabled for code, scope, enabled in rows if scope == PLATFORM_SCOPE}
        tenant = {code: enabled for code, scope, enabled in rows if scope != PLATFORM_SCOPE}
        enabled = frozenset(
            d.code
            for d in self.registry.ordered
            if d.always_on or tenant.get(d.code, platform.get(d.code, False))
        )
        session.info[cache_key] = enabled
        return enabled

    def enabled_anywhere(self, session: Session, code: str) -> bool:
        """On for some platform or tenant: whether a platform-wide task of `code` has work."""
        if self.registry.get(code).always_on:
            return True
        return (
            session.scalar(
                select(ModuleState.id)
                .where(ModuleState.module_code == code, ModuleState.enabled.is_(True))
                .limit(1)
            )
            is not None
        )

    def tenants_with(
        self, session: Session, code: str, tenants: Iterable[TenantContext]
    ) -> list[TenantContext]:
        """Those of `tenants` for which `code` is on, from one query (a fan-out's)."""
        tenants = list(tenants)
        if self.registry.get(code).always_on:
            return tenants
        rows = session.execute(
            select(ModuleState.platform_id, ModuleState.tenant_id, ModuleState.enabled).where(
                ModuleState.module_code == code
            )
        ).all()
        platform = {p: on for p, scope, on in rows if scope == PLATFORM_SCOPE}
        own = {(p, scope): on for p, scope, on in rows if scope != PLATFORM_SCOPE}
        return [
            tenant
            for tenant in tenants
            if tenant.platform_id is not None
            and own.get(
                (tenant.platform_id, tenant.tenant_id), platform.get(tenant.platform_id, False)
            )
        ]

    def is_enabled(
        self,
        session: Session,
        code: str,
        *,
        platform_id: uuid.UUID,
        tenant_id: uuid.UUID | None = None,
    ) -> bool:
        return code in self.enabled_codes(session, platform_id=platform_id, tenant_id=tenant_id)

    def overrides(self, session: Session, *, platform_id: uuid.UUID) -> list[ModuleState]:
        return list(
            session.scalars(
                select(ModuleState)
                .where(ModuleState.platform_id == platform_id)
                .order_by(ModuleState.module_code, ModuleState.tenant_id)
            )
        )

    # -- changing ----------------------------------------------------------------------------

    def enable(
        self,
        session: Session,
        code: str,
        *,
        scope: ModuleScope,
        with_requirements: bool = True,
    ) -> list[str]:
        """Enable `code` in `scope`; return the codes switched on (requirements first)."""
        definition = self._known(code)
        if definition.always_on:
            return []
        enabled = self._enabled(session, scope)
        missing = [d for d in self.registry.requirements_closure(code) if d.code not in enabled]
        if missing and not with_requirements:
            raise ModuleActivationRefused(
                f"cannot enable {code}: it requires {_names(missing)}, not enabled for "
                f"{scope.label}",
                module=code,
                requires=[d.code for d in missing],
            )
        if scope.tenant_id is None and code not in enabled:
            lacking = self._tenants_lacking(session, code, scope.platform_id)
            if lacking:
                raise ModuleActivationRefused(
                    f"cannot enable {code}: "
                    + "; ".join(f"{r} is switched off for tenant {t}" for t, r in lacking)
                    + f" (switch {code} off for that tenant too, or clear its override)",
                    module=code,
                    tenants=sorted({str(t) for t, _ in lacking}),
                )
        switched = []
        for target in [*missing, definition]:
            if target.code in enabled:
                continue
            self._store(session, target.code, scope, enabled=True)
            self._run_hook(session, target, "on_enable", scope)
            switched.append(target.code)
        if code in enabled:
            # On already (a tenant through its platform): an explicit switch still pins the
            # scope's own state, as `disable` does, so a later platform change leaves it be.
            self._store(session, code, scope, enabled=True)
        return switched

    def disable(self, session: Session, code: str, *, scope: ModuleScope) -> list[str]:
        definition = self._known(code)
        if definition.always_on:
            raise ModuleActivationRefused(
                f"cannot disable {code}: {definition.tier} modules are always on", module=code
            )
        enabled = self._enabled(session, scope)
        blocking = [d for d in self.registry.dependents(code) if d.code in enabled]
        if scope.tenant_id is None:
            blocking += self._tenants_needing(session, code, scope.platform_id, blocking)
        if blocking:
            raise ModuleActivationRefused(
                f"cannot disable {code}: {_names(blocking)} "
                f"{'requires' if len(blocking) == 1 else 'require'} it",
                module=code,
                required_by=[d.code for d in blocking],
            )
        if code not in enabled:
            self._store(session, code, scope, enabled=False)
            return []
        self._store(session, code, scope, enabled=False)
        self._run_hook(session, definition, "on_disable", scope)
        return [code]

    def clear_override(self, session: Session, code: str, *, scope: ModuleScope) -> list[str]:
        """Let a tenant follow its platform again for `code` (a platform: back to off).

        The change this makes obeys the rules of `enable`/`disable` and runs their hooks;
        return the codes it switched.
        """
        state = self._state(session, code, scope)
        if state is None:
            return []
        follows = scope.tenant_id is not None and code in self._enabled(
            session, ModuleScope(scope.platform_id)
        )
        if follows:
            switched = self.enable(session, code, scope=scope, with_requirements=False)
        else:
            switched = self.disable(session, code, scope=scope)
        session.delete(state)
        session.flush()
        _forget_cache(session)
        _revoke_scope(session, scope)
        return switched

    # -- helpers -----------------------------------------------------------------------------

    def _known(self, code: str) -> ModuleDefinition:
        if code not in self.registry:
            raise NotFound(f"module {code} is not installed", module=code)
        return self.registry.get(code)

    def _enabled(self, session: Session, scope: ModuleScope) -> frozenset[str]:
        return self.enabled_codes(session, platform_id=scope.platform_id, tenant_id=scope.tenant_id)

    def _tenants_needing(
        self, session: Session, code: str, platform_id: uuid.UUID, already: Iterable
    ) -> list[ModuleDefinition]:
        # A tenant override that keeps a dependent on would be left without its requirement.
        dependents = {d.code for d in self.registry.dependents(code)} - {d.code for d in already}
        if not dependents:
            return []
        overriding = session.scalars(
            select(ModuleState.tenant_id).where(
                ModuleState.platform_id == platform_id,
                ModuleState.tenant_id != PLATFORM_SCOPE,
                ModuleState.module_code.in_(dependents),
                ModuleState.enabled.is_(True),
            )
        ).all()
        needing: dict[str, ModuleDefinition] = {}
        for tenant_id in set(overriding):
            tenant_enabled = self.enabled_codes(
                session, platform_id=platform_id, tenant_id=tenant_id
            )
            own = self._state(session, code, ModuleScope(platform_id, tenant_id))
            if own is not None and own.enabled:
                continue  # the tenant keeps the requirement on by its own override
            for dependent in dependents & tenant_enabled:
                needing[dependent] = self.registry.get(dependent)
        return list(needing.values())

    def _tenants_lacking(
        self, session: Session, code: str, platform_id: uuid.UUID
    ) -> list[tuple[uuid.UUID, str]]:
        # Tenants that would get `code` from the platform while an override of theirs keeps
        # one of its requirements off.
        requirements = {d.code for d in self.registry.requirements_closure(code) if not d.always_on}
        if not requirements:
            return []
        rows = session.execute(
            select(ModuleState.tenant_id, ModuleState.module_code)
            .where(
                ModuleState.platform_id == platform_id,
                ModuleState.tenant_id != PLATFORM_SCOPE,
                ModuleState.module_code.in_(requirements),
                ModuleState.enabled.is_(False),
            )
            .order_by(ModuleState.tenant_id, ModuleState.module_code)
        ).all()
        return [
            (tenant_id, requirement)
            for tenant_id, requirement in rows
            if self._state(session, code, ModuleScope(platform_id, tenant_id)) is None
        ]

    def _state(self, session: Session, code: str, scope: ModuleScope) -> ModuleState | None:
        return session.scalar(
            select(ModuleState).where(
                ModuleState.module_code == code,
                ModuleState.platform_id == scope.platform_id,
                ModuleState.tenant_id == (scope.tenant_id or PLATFORM_SCOPE),
            )
        )

    def _store(self, session: Session, code: str, scope: ModuleScope, *, enabled: bool) -> None:
        state = self._state(session, code, scope)
        if state is None:
            state = ModuleState(
                module_code=code,
                platform_id=scope.platform_id,
                tenant_id=scope.tenant_id or PLATFORM_SCOPE,
                enabled=enabled,
            )
            session.add(state)
        state.enabled = enabled
        session.flush()
        _forget_cache(session)
        _revoke_scope(session, scope)

    def _run_hook(
        self, session: Session, definition: ModuleDefinition, hook: str, scope: ModuleScope
    ) -> None:
        function = self.registry.hook(definition.code, hook)
        if function is not None:
            function(session, scope)


def _forget_cache(session: Session) -> None:
    for key in [
        k for k in session.info if isinstance(k, tuple) and k[0] == "orion.enabled_modules"
    ]:
        del session.info[key]


def _revoke_scope(session: Session, scope: ModuleScope) -> None:
    """Cached principals carry their tenant's enabled modules: drop those of the scope."""
    if scope.tenant_id is not None:
        revoke_after_commit(session, tenants=[scope.tenant_id])
    else:
        revoke_after_commit(session, platforms=[scope.platform_id])


def _names(definitions: Iterable[ModuleDefinition]) -> str:
    return ", ".join(d.code for d in definitions)


def optional_modules(registry: Registry) -> list[ModuleDefinition]:
    return [d for d in registry.ordered if d.tier is Tier.OPTIONAL]
