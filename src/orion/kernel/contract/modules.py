"""The module contract and the registry.

A module is a package under `orion.modules` (or any package advertised in the
`orion.modules` entry-point group, or listed in `ORION_EXTRA_MODULES`) whose `__init__`
defines `definition = ModuleDefinition(...)`. Definitions are plain data: import paths are
strings, so loading the registry imports nothing heavy; `resolve()` imports on demand and
`orion modules check` (kernel.tooling.checks) resolves every path once to prove them sound.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel

if TYPE_CHECKING:
    from orion.kernel.contract.points import ExtensionPoint

# A point's provider type; the registry needs only a point's name and arity at run time,
# so it does not import the points' Protocols (and what they import) to be loaded.
P = TypeVar("P")

BUILTIN_PACKAGE = "orion.modules"
ENTRY_POINT_GROUP = "orion.modules"
QUEUES = ("default", "long_running", "scheduled")
# api: a tenant's routes, gated by the module's activation; user: any signed-in caller;
# admin: platform operators; public: no authentication.
# Where a module's routers are mounted (see orion.app): `openai` is the OpenAI-compatible
# surface at /v1 (tenant callers, the module gated like `api`).
AUDIENCES = (
    "api",
    "user",
    "admin",
    "public",
    "openai",
    "console",
    "console_admin",
    "console_public",
)
HOOKS = ("on_startup", "on_shutdown", "on_install", "on_enable", "on_disable", "on_upgrade")

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIREMENT = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(.*)$")


class Tier(StrEnum):
    CORE = "core"  # always on
    OPTIONAL = "optional"  # enabled per platform, overridable per tenant
    INTERNAL = "internal"  # platform operators only


@dataclass(frozen=True, slots=True)
class Permission:
    code: str
    description: str = ""
    # Tenant roles granted this permission by default (tenancy maps roles to permissions).
    roles: tuple[str, ...] = ("tenant_admin",)


@dataclass(frozen=True, slots=True)
class MenuItem:
    section: str  # "tenant" or "platform"
    label: str
    path: str
    permission: str | None = None
    icon: str | None = None
    order: int = 100


@dataclass(frozen=True, slots=True)
class ScheduledTask:
    """A Beat entry: run `task` (default: `name`) on a cron schedule.

    With `per_tenant=True`, each slot fans out to one task per tenant for which the module
    is enabled; the task then receives `tenant_id`.
    """

    name: str
    cron: str
    queue: str = "scheduled"
    task: str | None = None
    per_tenant: bool = False
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def task_name(self) -> str:
        return self.task or self.name


@dataclass(frozen=True, slots=True)
class Requirement:
    code: str
    specifier: SpecifierSet

    @classmethod
    def parse(cls, text: str, *, owner: str) -> Requirement:
        match = _REQUIREMENT.match(text)
        if not match:
            raise RegistryError(f"module {owner}: bad requirement {text!r}")
        try:
            return cls(match.group(1), SpecifierSet(match.group(2).strip()))
        except InvalidSpecifier:
            raise RegistryError(
                f"module {owner}: bad version constraint in requirement {text!r}"
            ) from None

    def __str__(self) -> str:
        return f"{self.code}{self.specifier}"


@dataclass(frozen=True)
class ModuleDefinition:
    code: str
    name: str
    version: str
    tier: Tier
    description: str = ""
    # Module codes, optionally with a version constraint: ("tenancy", "credits>=1.0,<2").
    requires: tuple[str, ...] = ()
    # Modules it reads (imports their service/schemas/events) without needing them on: they
    # must be installed and load first, but enabling this module does not switch them on
    # and switching them off is not refused (reports read what they recorded).
    uses: tuple[str, ...] = ()
    models: str | None = None
    routers: Mapping[str, str] = field(default_factory=dict)  # audience -> "pkg.mod:router"
    menu: tuple[MenuItem, ...] = ()
    permissions: tuple[Permission, ...] = ()
    settings: type[BaseModel] | None = None  # per-tenant configuration schema
    tasks_path: str | None = None
    task_queue: str = "default"  # where this module's tasks go unless a task says otherwise
    scheduled_tasks: tuple[ScheduledTask, ...] = ()
    # Event name -> handler path(s). `handlers` run after commit through the outbox (at
    # least once, idempotent by event id); `transaction_handlers` run inside the
    # publisher's transaction.
    handlers: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    transaction_handlers: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    health_checks: tuple[str, ...] = ()
    # Kernel extension points this module implements, e.g. {"authenticator": "pkg.mod:fn"}.
    provides: Mapping[str, str] = field(default_factory=dict)
    # `orion <name> ...` command groups: name -> "pkg.mod:typer_app".
    commands: Mapping[str, str] = field(default_factory=dict)
    on_startup: str | None = None
    on_shutdown: str | None = None
    on_install: str | None = None
    on_enable: str | None = None
    on_disable: str | None = None
    on_upgrade: str | None = None
    # Filled in by the registry: the package the definition was loaded from.
    package: str = ""

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:
        return tuple(Requirement.parse(text, owner=self.code) for text in self.requires)

    @property
    def required_codes(self) -> tuple[str, ...]:
        return tuple(requirement.code for requirement in self.requirements)

    @cached_property
    def used(self) -> tuple[Requirement, ...]:
        return tuple(Requirement.parse(text, owner=self.code) for text in self.uses)

    @property
    def used_codes(self) -> tuple[str, ...]:
        return tuple(requirement.code for requirement in self.used)

    @property
    def always_on(self) -> bool:
        return self.tier is not Tier.OPTIONAL

    @property
    def path(self) -> Path:
        return Path(importlib.import_module(self.package).__file__ or "").parent

    @property
    def migrations_path(self) -> Path:
        return self.path / "migrations" / "versions"

    @property
    def table_prefix(self) -> str:
        return f"{self.code}_"

    def event_handlers(self, *, in_transaction: bool) -> Iterable[tuple[str, str]]:
        source = self.transaction_handlers if in_transaction else self.handlers
        for event_name, paths in source.items():
            for path in (paths,) if isinstance(paths, str) else paths:
                yield event_name, path


class RegistryError(Exception):
    """A module definition or the set of modules is unsound; the message names the modules."""


def resolve(path: str) -> Any:
    """Import "package.module:attribute" (or "package.module" for a module)."""
    module_path, _, attribute = path.partition(":")
    module = importlib.import_module(module_path)
    if not attribute:
        return module
    target: Any = module
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


class Registry:
    """The loaded modules, validated and ordered so that requirements come first."""

    def __init__(self, definitions: Iterable[ModuleDefinition]) -> None:
        self._modules: dict[str, ModuleDefinition] = {}
        for definition in definitions:
            if definition.code in self._modules:
                raise RegistryError(
                    f"module code {definition.code!r} is defined twice "
                    f"({self._modules[definition.code].package} and {definition.package})"
                )
            self._modules[definition.code] = definition
        for definition in self._modules.values():
            _validate_definition(definition)
        self._check_requirements()
        self.ordered: tuple[ModuleDefinition, ...] = tuple(self._topological_order())
        self._resolved: dict[str, Any] = {}
        self.chosen_providers: dict[str, str] = {}

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def discover(cls, extra: Iterable[str] = ()) -> Registry:
        """Built-in modules, `orion.modules` entry points, then `extra` packages."""
        definitions = [load_definition(name) for name in builtin_packages()]
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            definitions.append(load_definition(entry_point.value.partition(":")[0]))
        definitions.extend(load_definition(package) for package in extra)
        seen: set[str] = set()
        unique = []
        for definition in definitions:  # an entry point may name a built-in package again
            if definition.package not in seen:
                seen.add(definition.package)
                unique.append(definition)
        return cls(unique)

    # -- lookup --------------------------------------------------------------------------

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.ordered)

    def __contains__(self, code: object) -> bool:
        return code in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def get(self, code: str) -> ModuleDefinition:
        try:
            return self._modules[code]
        except KeyError:
            raise RegistryError(f"unknown module {code!r}") from None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(definition.code for definition in self.ordered)

    def resolve(self, path: str) -> Any:
        if path not in self._resolved:
            self._resolved[path] = resolve(path)
        return self._resolved[path]

    def dependents(self, code: str) -> tuple[ModuleDefinition, ...]:
        """Modules that require `code`, directly or through others, in load order."""
        found: set[str] = set()
        frontier = [code]
        while frontier:
            current = frontier.pop()
            for definition in self.ordered:
                if current in definition.required_codes and definition.code not in found:
                    found.add(definition.code)
                    frontier.append(definition.code)
        return tuple(definition for definition in self.ordered if definition.code in found)

    def requirements_closure(self, code: str) -> tuple[ModuleDefinition, ...]:
        """Everything `code` needs, transitively, requirements first (excluding `code`)."""
        needed: set[str] = set()
        frontier = list(self.get(code).required_codes)
        while frontier:
            current = frontier.pop()
            if current not in needed:
                needed.add(current)
                frontier.extend(self.get(current).required_codes)
        return tuple(definition for definition in self.ordered if definition.code in needed)

    def permissions(self) -> dict[str, Permission]:
        return {p.code: p for definition in self.ordered for p in definition.permissions}

    def provider(self, point: ExtensionPoint[P]) -> P | None:
        """The object a module provides for a one-provider extension point, if any.

        When several modules provide it, `choose_provider(point, code)` (from the
        `providers` setting) says which; without a choice that is an error naming them.
        """
        if point.many:
            raise RegistryError(f"{point.name} takes several providers: use all_providers()")
        providers = [d for d in self.ordered if point.name in d.provides]
        if not providers:
            return None
        chosen = self.chosen_providers.get(point.name)
        if chosen is not None:
            providers = [d for d in providers if d.code == chosen]
            if not providers:
                raise RegistryError(f"module {chosen} does not provide {point.name}")
        elif len(providers) > 1:
            raise RegistryError(
                f"modules {', '.join(d.code for d in providers)} all provide {point.name}; "
                f'choose one with ORION_PROVIDERS=\'{{"{point.name}": "<module>"}}\''
            )
        return self.resolve(providers[0].provides[point.name])

    def all_providers(self, point: ExtensionPoint[P]) -> list[tuple[str, P]]:
        """(module, object) of every module providing a many-provider point, in load order."""
        if not point.many:
            raise RegistryError(f"{point.name} takes one provider: use provider()")
        return [
            (d.code, self.resolve(d.provides[point.name]))
            for d in self.ordered
            if point.name in d.provides
        ]

    def choose_provider(self, point: str, code: str) -> None:
        self.chosen_providers[point] = code

    def hook(self, code: str, name: str) -> Callable[..., Any] | None:
        path = getattr(self.get(code), name)
        return self.resolve(path) if path else None

    def import_models(self) -> None:
        """Import every module's models so that `Base.metadata` knows all tables."""
        for definition in self.ordered:
            if definition.models:
                self.resolve(definition.models)

    # -- validation ------------------------------------------------------------------------

    def _check_requirements(self) -> None:
        for definition in self._modules.values():
            for used in definition.used:
                found = self._modules.get(used.code)
                if found is None:
                    raise RegistryError(
                        f"module {definition.code} uses {used.code}, which is not installed"
                    )
                # `uses` never switches the other on, so a core module may read an optional
                # one where it is on (customers mails through email); internal modules serve
                # operators only and are no one's dependency.
                if definition.tier is Tier.CORE and found.tier is Tier.INTERNAL:
                    raise RegistryError(
                        f"core module {definition.code} uses {found.tier} module {found.code}; "
                        "a core module may only use core and optional modules"
                    )
                if used.specifier and Version(found.version) not in used.specifier:
                    raise RegistryError(
                        f"module {definition.code} uses {used}, "
                        f"but {found.code} is version {found.version}"
                    )
            for requirement in definition.requirements:
                required = self._modules.get(requirement.code)
                if required is None:
                    raise RegistryError(
                        f"module {definition.code} requires {requirement.code}, "
                        "which is not installed"
                    )
                if requirement.specifier and Version(required.version) not in (
                    requirement.specifier
                ):
                    raise RegistryError(
                        f"module {definition.code} requires {requirement}, "
                        f"but {required.code} is version {required.version}"
                    )
                if definition.tier is Tier.CORE and required.tier is not Tier.CORE:
                    raise RegistryError(
                        f"core module {definition.code} requires {required.tier} module "
                        f"{required.code}; a core module may only require core modules"
                    )

    def _topological_order(self) -> list[ModuleDefinition]:
        tier_rank = {Tier.CORE: 0, Tier.OPTIONAL: 1, Tier.INTERNAL: 2}
        ordered: list[ModuleDefinition] = []
        placed: set[str] = set()
        remaining = dict(self._modules)
        while remaining:
            ready = [
                d
                for d in remaining.values()
                if all(c in placed for c in (*d.required_codes, *d.used_codes))
            ]
            if not ready:
                raise RegistryError(f"modules form a requirement cycle: {self._cycle(remaining)}")
            ready.sort(key=lambda d: (tier_rank[d.tier], d.code))
            for definition in ready:
                ordered.append(definition)
                placed.add(definition.code)
                del remaining[definition.code]
        return ordered

    def _cycle(self, remaining: Mapping[str, ModuleDefinition]) -> str:
        # Walk requirements among the unplaced modules until one repeats.
        path: list[str] = []
        current = min(remaining)
        while current not in path:
            path.append(current)
            needed = (*remaining[current].required_codes, *remaining[current].used_codes)
            current = next(c for c in needed if c in remaining)
        cycle = [*path[path.index(current) :], current]
        return " -> ".join(cycle)


def _validate_definition(definition: ModuleDefinition) -> None:
    code = definition.code
    if not _CODE.match(code):
        raise RegistryError(f"module code {code!r} must be lower_snake_case")
    if not definition.name:
        raise RegistryError(f"module {code}: name is empty")
    try:
        Version(definition.version)
    except InvalidVersion:
        raise RegistryError(f"module {code}: version {definition.version!r} is invalid") from None
    if not isinstance(definition.tier, Tier):
        raise RegistryError(f"module {code}: tier must be a Tier, not {definition.tier!r}")
    requirements = definition.requirements
    if code in (r.code for r in requirements):
        raise RegistryError(f"module requirement cycle: {code} -> {code}")
    for audience in definition.routers:
        if audience not in AUDIENCES:
            raise RegistryError(
                f"module {code}: router audience {audience!r} is not one of {', '.join(AUDIENCES)}"
            )
    if definition.task_queue not in QUEUES:
        raise RegistryError(f"module {code}: task_queue {definition.task_queue!r} is unknown")
    for scheduled in definition.scheduled_tasks:
        if not scheduled.name.startswith(f"{code}."):
            raise RegistryError(
                f"module {code}: scheduled task {scheduled.name!r} must be named {code}.<action>"
            )
        if scheduled.queue not in QUEUES:
            raise RegistryError(
                f"module {code}: scheduled task {scheduled.name} uses unknown "
                f"queue {scheduled.queue!r}"
            )
        if len(scheduled.cron.split()) != 5:
            raise RegistryError(
                f"module {code}: scheduled task {scheduled.name} cron "
                f"{scheduled.cron!r} must have five fields"
            )
        problem = _cron_problem(scheduled.cron)
        if problem:
            raise RegistryError(
                f"module {code}: scheduled task {scheduled.name} cron "
                f"{scheduled.cron!r} is invalid: {problem}"
            )
    for item in definition.menu:
        if item.section not in ("tenant", "platform"):
            raise RegistryError(
                f"module {code}: menu item {item.label!r} has unknown section {item.section!r}"
            )
    if definition.settings is not None and not (
        isinstance(definition.settings, type) and issubclass(definition.settings, BaseModel)
    ):
        raise RegistryError(f"module {code}: settings must be a Pydantic model class")


def _cron_problem(expression: str) -> str | None:
    """Why Beat could not schedule this five-field cron expression, or None."""
    from celery.schedules import crontab  # Beat's own parser: what passes here, Beat runs

    minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
    try:
        crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
        )
    except ValueError as exc:
        return str(exc)
    return None


def builtin_packages() -> list[str]:
    package = importlib.import_module(BUILTIN_PACKAGE)
    return sorted(
        f"{BUILTIN_PACKAGE}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if info.ispkg
    )


def load_definition(package: str) -> ModuleDefinition:
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise RegistryError(f"module package {package} cannot be imported: {exc}") from exc
    definition = getattr(module, "definition", None)
    if not isinstance(definition, ModuleDefinition):
        raise RegistryError(f"module package {package} has no `definition = ModuleDefinition(...)`")
    return dataclasses.replace(definition, package=package)
