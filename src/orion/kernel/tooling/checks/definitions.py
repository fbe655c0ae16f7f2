"""The checks of module definitions, run by `check_registry` (see the package's docstring)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table

from orion.kernel.contract.modules import QUEUES, ModuleDefinition, Registry, Tier
from orion.kernel.contract.points import POINTS
from orion.kernel.data.db import Base
from orion.kernel.runtime.tasks import KERNEL, TaskSpec, task_specs
from orion.kernel.tooling.checks.columns import schema_column_problems
from orion.kernel.tooling.checks.shape import (
    missing_files,
    undeclared_imports,
    unserved_menu_paths,
)

_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
_KERNEL_TASKS_MODULE = "orion.kernel.runtime.jobs"
# What the kernel passes to each kind of callable a definition names.
HANDLER_ARGUMENTS = ("session", "event")
HEALTH_CHECK_ARGUMENTS = ("session",)
HOOK_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "on_startup": ("runtime",),
    "on_shutdown": ("runtime",),
    "on_install": ("session", "runtime"),
    "on_enable": ("session", "scope"),
    "on_disable": ("session", "scope"),
}


def check_registry(registry: Registry) -> list[str]:
    """Every problem found in the registry's module definitions (empty when all are sound)."""
    checker = _Checker(registry)
    try:
        checker.run()
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # a bug in a check must not hide the problems found so far
        checker.problems.append(f"module check failed unexpectedly: {_describe(exc)}")
    return checker.report()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Checker:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.problems: list[str] = []
        # task name -> owning module code, filled by the task checks (kernel tasks included)
        self.tasks: dict[str, str] = {}
        self.task_specs: dict[str, TaskSpec] = {}
        # module code -> its imported models module; -> {table name: where it is defined}
        self.models: dict[str, Any] = {}
        self.tables: dict[str, dict[str, str]] = {}

    # -- helpers -------------------------------------------------------------------------

    def problem(self, definition: ModuleDefinition, field: str, message: str) -> None:
        self.problems.append(f"module {definition.code}: {field}: {message}")

    def report(self) -> list[str]:
        """The problems grouped by module, in load order (the checks run in phases)."""
        order = {f"module {d.code}: ": index for index, d in enumerate(self.registry.ordered)}

        def position(problem: str) -> int:
            head = problem.split(": ", 1)[0] + ": "
            return order.get(head, -1)

        return sorted(self.problems, key=position)

    def resolve(self, definition: ModuleDefinition, field: str, path: str) -> Any | None:
        """Import `path`; on failure record a problem naming the field and return None."""
        if not isinstance(path, str) or not path:
            self.problem(definition, field, f"{path!r} is not an import path")
            return None
        try:
            return self.registry.resolve(path)
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # ImportError, AttributeError, anything raised at import
            self.problem(definition, field, f"{path} cannot be resolved ({_describe(exc)})")
            return None

    def resolve_callable(
        self,
        definition: ModuleDefinition,
        field: str,
        path: str,
        arguments: tuple[str, ...] | None = None,
    ) -> None:
        target = self.resolve(definition, field, path)
        if target is None:
            return
        if not callable(target):
            self.problem(definition, field, f"{path} is a {type(target).__name__}, not callable")
        elif arguments is not None and not _accepts(target, len(arguments)):
            self.problem(
                definition,
                field,
                f"{path} must accept {len(arguments)} positional argument(s): "
                f"{', '.join(arguments)}",
            )

    def guarded(self, definition: ModuleDefinition, field: str, check: Callable[[], None]) -> None:
        try:
            check()
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # SystemExit from a module's import is a problem too
            self.problem(definition, field, f"could not be checked ({_describe(exc)})")

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> None:
        definitions = list(self.registry.ordered)
        # Models first (every module's, so that cross-module foreign keys resolve), then
        # tasks (scheduled tasks may name another module's task), then the rest.
        for definition in definitions:
            self.guarded(definition, "models", lambda d=definition: self.check_models(d))
        self.configure_mappers()
        for definition in definitions:
            self.guarded(definition, "models", lambda d=definition: self.collect_tables(d))
        self.collect_kernel_tasks()
        for definition in definitions:
            self.guarded(definition, "tasks_path", lambda d=definition: self.check_tasks(d))
        permissions = self.declared_permissions()
        for definition in definitions:
            checks: list[tuple[str, Callable[[], None]]] = [
                ("files", lambda d=definition: self.check_files(d)),
                ("routers", lambda d=definition: self.check_routers(d)),
                ("scheduled_tasks", lambda d=definition: self.check_scheduled(d)),
                ("handlers", lambda d=definition: self.check_handlers(d)),
                ("health_checks", lambda d=definition: self.check_health_checks(d)),
                ("hooks", lambda d=definition: self.check_hooks(d)),
                ("provides", lambda d=definition: self.check_provides(d)),
                ("commands", lambda d=definition: self.check_commands(d)),
                ("permissions", lambda d=definition: self.check_permissions(d, permissions)),
                ("menu", lambda d=definition: self.check_menu(d, permissions)),
                ("menu", lambda d=definition: self.check_menu_routes(d)),
                ("requires", lambda d=definition: self.check_imports(d)),
                ("settings", lambda d=definition: self.check_settings(d)),
                ("tables", lambda d=definition: self.check_tables(d)),
                ("migrations", lambda d=definition: self.check_migrations(d)),
                ("schemas", lambda d=definition: self.check_schema_columns(d)),
            ]
            for field, check in checks:
                self.guarded(definition, field, check)

    # -- the module's shape (kernel.tooling.checks.shape) ------------------------------------

    def check_files(self, definition: ModuleDefinition) -> None:
        for missing in missing_files(definition):
            self.problem(definition, "files", missing)

    def check_menu_routes(self, definition: ModuleDefinition) -> None:
        from fastapi import APIRouter

        routers = {}
        for audience, path in definition.routers.items():
            if audience.startswith("console"):
                try:
                    router = self.registry.resolve(path)
                except Exception:  # reported by the routers check
                    return
                if not isinstance(router, APIRouter):
                    return
                routers[audience] = router
        for path in unserved_menu_paths(definition, routers):
            self.problem(
                definition,
                f"menu item {path!r}",
                "no GET route of the module's console routers serves this path",
            )

    def check_schema_columns(self, definition: ModuleDefinition) -> None:
        for where, problem in schema_column_problems(definition):
            self.problem(definition, where, problem)

    def check_imports(self, definition: ModuleDefinition) -> None:
        for found in undeclared_imports(definition, self.registry):
            self.problem(definition, "requires", str(found))

    # -- models and tables -------------------------------------------------------------------

    def check_models(self, definition: ModuleDefinition) -> None:
        if definition.models:
            models = self.resolve(definition, "models", definition.models)
            if models is not None:
                self.models[definition.code] = models

    def configure_mappers(self) -> None:
        """Relationships and inheritance resolve (else the first query would fail)."""
        try:
            Base.registry.configure()
        except Exception as exc:
            message = _describe(exc)
            culprits = [
                d for d in self.registry.ordered if d.package and f"{d.package}." in message
            ]
            for definition in culprits:
                self.problem(definition, "models", f"the mappers cannot be configured ({message})")
            if not culprits:
                self.problems.append(f"the models cannot be configured: {message}")

    def collect_tables(self, definition: ModuleDefinition) -> None:
        self.tables[definition.code] = self.mapped_tables(definition)

    def mapped_tables(self, definition: ModuleDefinition) -> dict[str, str]:
        """Table name -> where it is defined, for every table defined in the module's package."""
        package = definition.package
        tables: dict[str, str] = {}
        for mapper in list(Base.registry.mappers):
            cls = mapper.class_
            if not _inside(cls.__module__, package):
                continue
            table = mapper.local_table
            name = getattr(table, "name", None)
            if isinstance(table, Table) and name:
                tables.setdefault(name, f"{cls.__module__}.{cls.__qualname__}")
        models = self.models.get(definition.code)
        if models is not None:  # module-level Table() objects (association tables)
            for attribute, value in getattr(models, "__dict__", {}).items():
                if isinstance(value, Table) and value.metadata is Base.metadata:
                    tables.setdefault(value.name, f"{definition.models}.{attribute}")
        return tables

    def check_tables(self, definition: ModuleDefinition) -> None:
        prefix = definition.table_prefix
        for name, where in sorted(self.tables.get(definition.code, {}).items()):
            if not name.startswith(prefix):
                self.problem(
                    definition,
                    "models",
                    f"table {name!r} (defined by {where}) must be named {prefix}<name>",
                )

    def check_migrations(self, definition: ModuleDefinition) -> None:
        prefix = definition.table_prefix
        tables = set(self.tables.get(definition.code, {}))
        elsewhere = {name for found in self.tables.values() for name in found}
        tables.update(  # tables with the module's prefix that no module's package defines
            name
            for name in Base.metadata.tables
            if name.startswith(prefix)
            and name not in elsewhere
            and not self.owned_by_longer_code(name, definition)
        )
        if not tables:
            return
        versions = definition.migrations_path
        revisions = sorted(p for p in versions.glob("*.py") if p.name != "__init__.py")
        if not revisions:
            self.problem(
                definition,
                "migrations",
                f"the module has tables ({', '.join(sorted(tables))}) but {versions} holds "
                f"no revision; create one with `orion db revision --module {definition.code} "
                "-m initial`",
            )
            return
        labels: set[str] = set()
        for path in revisions:
            try:
                labels.update(_branch_labels(path))
            except Exception as exc:
                self.problem(definition, "migrations", f"{path.name} cannot be read ({exc})")
                return
        if definition.code not in labels:
            self.problem(
                definition,
                "migrations",
                f"no revision in {versions} carries branch_labels = ({definition.code!r},)",
            )

    def owned_by_longer_code(self, table: str, definition: ModuleDefinition) -> bool:
        # Table "core_x_item" starts with "core_", but belongs to module "core_x" if installed.
        return any(
            other.code != definition.code
            and len(other.code) > len(definition.code)
            and table.startswith(other.table_prefix)
            for other in self.registry.ordered
        )

    # -- routers -------------------------------------------------------------------------------

    def check_routers(self, definition: ModuleDefinition) -> None:
        from fastapi import APIRouter, FastAPI

        routers = {}
        for audience, path in definition.routers.items():
            field = f"routers.{audience}"
            router = self.resolve(definition, field, path)
            if router is None:
                continue
            if not isinstance(router, APIRouter):
                self.problem(
                    definition,
                    field,
                    f"{path} is a {type(router).__name__}, not a fastapi.APIRouter",
                )
                continue
            routers[audience] = (path, router)
        if not routers:
            return
        app = FastAPI()
        for audience, (path, router) in routers.items():
            field = f"routers.{audience}"
            try:
                app.include_router(router, prefix=f"/api/v1/{audience}/{definition.code}")
            except Exception as exc:
                self.problem(definition, field, f"{path} cannot be mounted ({_describe(exc)})")
                return
        try:
            app.openapi()
        except Exception as exc:
            self.problem(
                definition, "routers", f"the OpenAPI schema cannot be built ({_describe(exc)})"
            )

    # -- tasks -----------------------------------------------------------------------------------

    def collect_kernel_tasks(self) -> None:
        try:
            jobs = importlib.import_module(_KERNEL_TASKS_MODULE)
            for spec in task_specs(jobs):
                self.tasks[spec.name] = KERNEL
                self.task_specs[spec.name] = spec
        except Exception as exc:
            self.problems.append(f"kernel tasks cannot be loaded: {_describe(exc)}")

    def check_tasks(self, definition: ModuleDefinition) -> None:
        if not definition.tasks_path:
            return
        module = self.resolve(definition, "tasks_path", definition.tasks_path)
        if module is None:
            return
        if not inspect.ismodule(module):
            self.problem(
                definition, "tasks_path", f"{definition.tasks_path} must name a Python module"
            )
            return
        specs = task_specs(module)
        if not specs:
            self.problem(
                definition, "tasks_path", f"{definition.tasks_path} declares no @task function"
            )
        for spec in specs:
            field = f"task {spec.name!r}"
            action = spec.name.removeprefix(f"{definition.code}.")
            if not spec.name.startswith(f"{definition.code}.") or not action:
                self.problem(
                    definition,
                    field,
                    f"must be named {definition.code}.<action>, not {spec.name!r}",
                )
            if not _session_first(spec.function):
                self.problem(definition, field, "must take the session as its first argument")
            if spec.queue is not None and spec.queue not in QUEUES:
                self.problem(definition, field, f"unknown queue {spec.queue!r}")
            owner = self.tasks.get(spec.name)
            if owner is not None and owner != definition.code:
                self.problem(definition, field, f"is also declared by {owner}")
                continue
            self.tasks[spec.name] = definition.code
            self.task_specs[spec.name] = spec

    def check_scheduled(self, definition: ModuleDefinition) -> None:
        from orion.kernel.runtime.scheduling import cron

        names: set[str] = set()
        for entry in definition.scheduled_tasks:
            field = f"scheduled task {entry.name!r}"
            if entry.name in names:
                self.problem(definition, field, "is declared twice")
            names.add(entry.name)
            try:
                cron(entry.cron)
            except Exception as exc:
                self.problem(definition, field, f"cron {entry.cron!r} is invalid ({exc})")
            task_name = entry.task_name
            spec = self.task_specs.get(task_name)
            if spec is None:
                where = (
                    f"{definition.tasks_path} does not declare it"
                    if definition.tasks_path
                    else "the module has no tasks_path"
                )
                self.problem(
                    definition,
                    field,
                    f"runs task {task_name!r}, which no module declares ({where})",
                )
            elif entry.per_tenant and not spec.accepts_tenant:
                self.problem(
                    definition,
                    field,
                    f"is per_tenant but task {task_name} takes no tenant_id argument",
                )

    # -- events ------------------------------------------------------------------------------

    def check_handlers(self, definition: ModuleDefinition) -> None:
        for in_transaction, label in ((False, "handlers"), (True, "transaction_handlers")):
            source = definition.transaction_handlers if in_transaction else definition.handlers
            for event_name, paths in source.items():
                field = f"{label} {event_name!r}"
                if not isinstance(event_name, str) or not _EVENT_NAME.match(event_name):
                    self.problem(definition, field, "event names look like <module>.<event>")
                else:
                    self.check_event_declared(definition, field, event_name)
                for path in (paths,) if isinstance(paths, str) else paths:
                    self.resolve_callable(definition, field, path, HANDLER_ARGUMENTS)

    def check_event_declared(self, definition: ModuleDefinition, field: str, name: str) -> None:
        from orion.kernel.runtime.events import Event

        publisher_code = name.partition(".")[0]
        if publisher_code == KERNEL:
            return
        if publisher_code not in self.registry:
            self.problem(definition, field, f"no module {publisher_code} is installed")
            return
        publisher = self.registry.get(publisher_code)
        events_module = f"{publisher.package}.events"
        try:
            found = importlib.util.find_spec(events_module) is not None
        except Exception:
            found = False
        if found:
            try:
                importlib.import_module(events_module)
            except Exception as exc:
                self.problem(definition, field, f"{events_module} cannot be imported ({exc})")
                return
        if Event.class_for(name) is None:
            self.problem(
                definition,
                field,
                f"event {name} is not declared (no Event subclass named {name!r} "
                f"in {events_module})",
            )

    # -- callables ---------------------------------------------------------------------------

    def check_health_checks(self, definition: ModuleDefinition) -> None:
        for path in definition.health_checks:
            self.resolve_callable(definition, "health_checks", path, HEALTH_CHECK_ARGUMENTS)

    def check_hooks(self, definition: ModuleDefinition) -> None:
        from orion.kernel.contract.modules import HOOKS

        for hook in HOOKS:
            path = getattr(definition, hook)
            if path:
                self.resolve_callable(definition, hook, path, HOOK_ARGUMENTS.get(hook))

    def check_provides(self, definition: ModuleDefinition) -> None:
        for name, path in definition.provides.items():
            point = POINTS.get(name)
            if point is None:
                known = ", ".join(sorted(POINTS))
                self.problem(
                    definition, f"provides.{name}", f"no extension point {name} (known: {known})"
                )
                continue
            provider = self.resolve(definition, f"provides.{name}", path)
            if provider is None:
                continue
            misfit = point.misfit(provider)
            if misfit:
                self.problem(
                    definition,
                    f"provides.{name}",
                    f"{path} does not fit {point.protocol.__name__}: {misfit}",
                )

    def check_commands(self, definition: ModuleDefinition) -> None:
        import typer

        for name, path in definition.commands.items():
            target = self.resolve(definition, f"commands.{name}", path)
            if target is not None and not isinstance(target, typer.Typer):
                self.problem(definition, f"commands.{name}", f"{path} is not a typer.Typer")

    # -- permissions and menu -----------------------------------------------------------------

    def declared_permissions(self) -> dict[str, str]:
        declared: dict[str, str] = {}
        for definition in self.registry.ordered:
            for permission in definition.permissions:
                declared.setdefault(permission.code, definition.code)
        return declared

    def check_permissions(self, definition: ModuleDefinition, declared: dict[str, str]) -> None:
        seen: set[str] = set()
        for permission in definition.permissions:
            field = f"permission {permission.code!r}"
            if permission.code in seen:
                self.problem(definition, field, "is declared twice")
            seen.add(permission.code)
            owner = declared.get(permission.code)
            if owner is not None and owner != definition.code:
                self.problem(definition, field, f"is already declared by module {owner}")

    def check_menu(self, definition: ModuleDefinition, declared: dict[str, str]) -> None:
        for item in definition.menu:
            field = f"menu item {item.label!r}"
            if item.permission is not None and item.permission not in declared:
                self.problem(
                    definition,
                    field,
                    f"needs permission {item.permission!r}, which no module declares",
                )
            if item.section == "tenant" and definition.tier is Tier.INTERNAL:
                self.problem(
                    definition,
                    field,
                    "internal modules serve platform operators only; use section='platform'",
                )

    # -- settings --------------------------------------------------------------------------

    def check_settings(self, definition: ModuleDefinition) -> None:
        schema = definition.settings
        if schema is None:
            return
        if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            self.problem(definition, "settings", f"{schema!r} is not a Pydantic model class")
            return
        try:
            schema.model_json_schema()
        except Exception as exc:
            self.problem(definition, "settings", f"{schema.__name__} has no JSON schema ({exc})")


def _accepts(function: Callable[..., Any], count: int) -> bool:
    """Whether `function` can be called with `count` positional arguments."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin or C function: give it the benefit of doubt
        return True
    try:
        signature.bind(*range(count))
    except TypeError:
        return False
    return True


def _session_first(function: Callable[..., Any]) -> bool:
    """Whether `function` takes a positional first argument (the session of a task)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return bool(parameters) and (
        parameters[0].kind in positional or parameters[0].kind is inspect.Parameter.VAR_POSITIONAL
    )


def _inside(module_name: str, package: str) -> bool:
    return bool(package) and (module_name == package or module_name.startswith(package + "."))


def _branch_labels(path: Path) -> Iterable[str]:
    """The `branch_labels` of an Alembic revision file, read without running it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "branch_labels" for t in targets):
            labels = ast.literal_eval(value)
            if labels is None:
                return ()
            return (labels,) if isinstance(labels, str) else tuple(labels)
    return ()
