"""The shape every module has, checked from its files and source (not its imports).

* `missing_files`: the files each part of a definition needs (a service, schemas and
  exceptions always; with models a repository and migrations; with console pages the
  templates folder; with `tasks_path` that file).
* `unserved_menu_paths`: menu items whose path no GET route of the module's console
  routers serves where the kernel mounts them.
* `undeclared_imports`: imports of another module's package (`orion.modules.<other>...`)
  by a module that does not list that module in `requires`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from orion.kernel.contract.modules import BUILTIN_PACKAGE, ModuleDefinition, Registry
from orion.kernel.web.mounting import mounts_of

KERNEL_CONSOLE_PREFIX = "/console"  # where kernel.web.console.pages mounts its own pages
# Folders of a module's package whose code is not the module's own at run time.
NOT_SOURCE = frozenset({"tests", "migrations", "__pycache__"})


def _has_module(root: Path, dotted: str) -> bool:
    """Whether `root` holds the Python module `dotted` (a file or a package)."""
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def missing_files(definition: ModuleDefinition) -> list[str]:
    """The required files the module's folder lacks, each said with why it is required."""
    root, code = definition.path, definition.code
    missing: list[tuple[str, str]] = []
    if not (_has_module(root, "service") or _has_module(root, "services")):
        missing.append(
            ("service.py (or a services/ package)", "every module keeps its logic there")
        )
    for name, role in (("schemas", "its DTOs"), ("exceptions", "its errors")):
        if not _has_module(root, name):
            missing.append((f"{name}.py", f"every module keeps {role} there"))
    if definition.models:
        for name, role in (("models", "its models"), ("repository", "the queries on them")):
            if not _has_module(root, name):
                missing.append((f"{name}.py", f"a module with models keeps {role} there"))
        if not definition.migrations_path.is_dir():
            missing.append(
                ("migrations/versions/", "a module with models keeps its migrations there")
            )
    pages = any(audience.startswith("console") for audience in definition.routers)
    if pages and not (root / "templates" / code).is_dir():
        missing.append((f"templates/{code}/", "a module with console pages keeps them there"))
    tasks = definition.tasks_path
    if tasks and tasks.startswith(f"{definition.package}."):
        inner = tasks.removeprefix(f"{definition.package}.")
        if not _has_module(root, inner):
            missing.append((f"{inner.replace('.', '/')}.py", "tasks_path names it"))
    return [f"{name} is missing ({why})" for name, why in missing]


def unserved_menu_paths(
    definition: ModuleDefinition, console_routers: Mapping[str, APIRouter]
) -> list[str]:
    """Menu paths that no GET route of the module's console routers serves (the kernel's
    own console pages, such as the entry point /console/, count as served too)."""
    from orion.kernel.web.console.pages import router as kernel_pages

    mounted = [
        (prefix, router)
        for audience, router in console_routers.items()
        for prefix, _guards in mounts_of(definition.code, audience)
    ]
    patterns = [
        compile_path(prefix + route.path)[0]
        for prefix, router in [*mounted, (KERNEL_CONSOLE_PREFIX, kernel_pages)]
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    ]
    unserved = []
    for item in definition.menu:
        path = item.path.split("?", 1)[0].split("#", 1)[0]
        # A path differing only in its trailing slash is redirected to the route.
        candidates = {path, path.rstrip("/") or "/", path if path.endswith("/") else path + "/"}
        if not any(pattern.match(c) for pattern in patterns for c in candidates):
            unserved.append(item.path)
    return unserved


@dataclass(frozen=True)
class ForeignImport:
    file: Path  # relative to the module's folder
    line: int
    name: str  # what is imported
    code: str | None  # the module it belongs to (None: no installed module)

    def __str__(self) -> str:
        where = f"{self.file.as_posix()}:{self.line} imports {self.name}"
        if self.code is None:
            return f"{where}, which is no installed module"
        return (
            f"{where} from module {self.code}, which is not in its requires or uses; "
            f"add {self.code!r} to requires (or uses) or drop the import"
        )


def undeclared_imports(definition: ModuleDefinition, registry: Registry) -> list[ForeignImport]:
    """Imports of other modules that the module neither requires nor uses (directly)."""
    owners = {d.package: d.code for d in registry.ordered if d.package}
    allowed = {definition.code, *definition.required_codes, *definition.used_codes}
    root = definition.path
    found: list[ForeignImport] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if NOT_SOURCE.intersection(relative.parts[:-1]):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue  # resolving the paths that name this file reports it, once
        for line, name in _runtime_imports(tree):
            code = _owner(name, owners)
            if code is None and not name.startswith(f"{BUILTIN_PACKAGE}."):
                continue  # not a module's package: a library, the kernel
            if code not in allowed:
                found.append(ForeignImport(relative, line, name, code))
    return found


def _owner(name: str, owners: Mapping[str, str]) -> str | None:
    """The code of the module whose package holds `name` (the longest package wins)."""
    best: tuple[int, str] | None = None
    for package, code in owners.items():
        if (name == package or name.startswith(f"{package}.")) and (
            best is None or len(package) > best[0]
        ):
            best = (len(package), code)
    return best[1] if best else None


def _runtime_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, imported name) of each absolute import, except those only type checkers run."""
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and _is_type_checking(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from orion.modules import credits` imports the package orion.modules.credits.
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )
