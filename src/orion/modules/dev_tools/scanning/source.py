"""What a scan reads: the Python files under its targets, parsed once, and the modules
among them (each with its definition, read without running the module's code).

A module folder is a package whose `__init__.py` assigns `definition = ModuleDefinition(...)`.
An installed module (in the registry) brings its real definition; any other module folder
(a fixture, a module not installed here) is read statically: its literal `code`,
`requires`, `models`, `routers`, `tasks_path`... are taken from the call, so scanning never
imports or runs the code it scans.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import orion
from orion.kernel.contract.modules import ModuleDefinition, Registry, Tier

ORION_PACKAGE = Path(orion.__file__).resolve().parent
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})


def project_root() -> Path:
    """The repository holding Orion's source (src layout), else the folder above the package."""
    candidate = ORION_PACKAGE.parent.parent
    return candidate if (candidate / "pyproject.toml").is_file() else ORION_PACKAGE.parent


@dataclass(frozen=True)
class LocatedDefinition(ModuleDefinition):
    """A definition whose folder is known without importing its package."""

    root: Path = Path()
    definition_line: int = 1

    @property
    def path(self) -> Path:
        return self.root


@dataclass
class SourceFile:
    path: Path  # absolute
    name: str  # as reported: relative to the project root where it lies inside it
    module: str | None  # the dotted module name, if the file is in a package
    text: str

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def tree(self) -> ast.Module | None:
        try:
            return ast.parse(self.text, filename=str(self.path))
        except (SyntaxError, ValueError):
            return None

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


@dataclass
class ScannedModule:
    definition: LocatedDefinition
    files: list[SourceFile] = field(default_factory=list)  # the scanned ones, in its folder

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def root(self) -> Path:
        return self.definition.root

    @property
    def init_file(self) -> Path:
        return self.root / "__init__.py"

    def relative(self, file: SourceFile) -> Path:
        return file.path.relative_to(self.root)


def report_name(path: Path) -> str:
    root = project_root()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def dotted_name(path: Path) -> str | None:
    """`a.b.c` for a file inside packages a/b (the highest folder with an `__init__.py`)."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    if not (folder / "__init__.py").is_file():
        return None if path.name == "__init__.py" else path.stem
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def python_files(target: Path) -> Iterator[Path]:
    if target.is_file():
        if target.suffix == ".py":
            yield target
        return
    for path in sorted(target.rglob("*.py")):
        relative = path.relative_to(target).parts[:-1]
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative):
            continue
        yield path


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id == "Tier":
            return Tier(node.attr.lower())
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def static_definition(init: Path, package: str) -> LocatedDefinition | None:
    """The definition a module's `__init__.py` assigns, read from its literals."""
    try:
        tree = ast.parse(init.read_text(encoding="utf-8"), filename=str(init))
    except (SyntaxError, ValueError, OSError):
        return None
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        if not any(isinstance(t, ast.Name) and t.id == "definition" for t in node.targets):
            continue
        func = node.value.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if called != "ModuleDefinition":
            continue
        names = {f.name for f in dataclasses.fields(ModuleDefinition)}
        values: dict[str, Any] = {}
        for keyword in node.value.keywords:
            if keyword.arg in names and keyword.arg != "settings":
                value = _literal(keyword.value)
                if value is not None:
                    values[keyword.arg] = value
        code = values.get("code") or init.parent.name
        tier = values.get("tier")
        try:
            return LocatedDefinition(
                code=str(code),
                name=str(values.pop("name", code)),
                version=str(values.pop("version", "0")),
                tier=tier if isinstance(tier, Tier) else Tier.OPTIONAL,
                **{k: _tupled(k, v) for k, v in values.items() if k not in ("code", "tier")},
                package=package,
                root=init.parent,
                definition_line=node.lineno,
            )
        except (TypeError, ValueError):
            return None
    return None


def _tupled(key: str, value: Any) -> Any:
    if key in ("requires", "health_checks") and isinstance(value, list | str):
        return (value,) if isinstance(value, str) else tuple(value)
    return value


def located(definition: ModuleDefinition) -> LocatedDefinition | None:
    """An installed module's own definition, with its folder and definition line."""
    try:
        root = definition.path.resolve()
    except Exception:  # its package cannot be imported: the registry check reports it
        return None
    static = static_definition(root / "__init__.py", definition.package)
    values = {f.name: getattr(definition, f.name) for f in dataclasses.fields(ModuleDefinition)}
    return LocatedDefinition(
        **values, root=root, definition_line=static.definition_line if static else 1
    )


@dataclass
class Codebase:
    """The files of a scan and the modules among them."""

    targets: list[Path]
    files: list[SourceFile]
    modules: list[ScannedModule]
    # Every module package known (installed or found here) -> its code: who owns an import.
    owners: dict[str, str]
    definitions: list[ModuleDefinition]
    max_file_lines: int = 600

    @cached_property
    def by_module_name(self) -> dict[str, SourceFile]:
        return {f.module: f for f in self.files if f.module}


def load(
    targets: Iterable[Path], registry: Registry | None, *, max_file_lines: int = 600
) -> Codebase:
    roots = [Path(t).resolve() for t in targets]
    seen: set[Path] = set()
    files: list[SourceFile] = []
    for root in roots:
        for path in python_files(root):
            if path in seen:
                continue
            seen.add(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            files.append(SourceFile(path, report_name(path), dotted_name(path), text))
    installed = [d for d in (located(d) for d in (registry or ())) if d is not None]
    by_root = {d.root: d for d in installed}
    checked: dict[Path, LocatedDefinition | None] = {}

    def module_at(folder: Path) -> LocatedDefinition | None:
        if folder not in checked:
            definition = by_root.get(folder)
            init = folder / "__init__.py"
            if definition is None and "ModuleDefinition" in _head(init):
                definition = static_definition(init, dotted_name(init) or folder.name)
            checked[folder] = definition
        return checked[folder]

    for file in files:
        folder = file.path.parent
        while (folder / "__init__.py").is_file() and module_at(folder) is None:
            folder = folder.parent
    found = {root: d for root, d in checked.items() if d is not None}
    modules = {root: ScannedModule(d) for root, d in found.items()}
    for file in files:
        owner = _owning_root(file.path, modules)
        if owner is not None:
            modules[owner].files.append(file)
    definitions: list[ModuleDefinition] = list(installed)
    packages = {d.package for d in definitions}
    definitions += [d for d in found.values() if d.package not in packages]
    owners = {d.package: d.code for d in definitions if d.package}
    return Codebase(
        targets=roots,
        files=files,
        modules=sorted(modules.values(), key=lambda m: (m.code, str(m.root))),
        owners=owners,
        definitions=definitions,
        max_file_lines=max_file_lines,
    )


def _head(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _owning_root(path: Path, modules: dict[Path, ScannedModule]) -> Path | None:
    best: Path | None = None
    for root in modules:
        if path.is_relative_to(root) and (best is None or len(root.parts) > len(best.parts)):
            best = root
    return best


def default_targets(registry: Registry | None) -> list[Path]:
    """Orion's own source and every installed module whose package lies outside it."""
    targets = [ORION_PACKAGE]
    for definition in registry or ():
        try:
            root = definition.path.resolve()
        except Exception:  # noqa: S112  # cannot be imported: the registry check says so
            continue
        if not root.is_relative_to(ORION_PACKAGE) and root not in targets:
            targets.append(root)
    return targets


def allowed_roots(registry: Registry | None) -> list[Path]:
    """Where a scan or a test run may look: the project and the installed modules."""
    roots = [project_root(), ORION_PACKAGE]
    roots += [t for t in default_targets(registry) if t not in roots]
    return roots


def resolve_target(text: str, registry: Registry | None) -> Path | None:
    """`text` as a path inside the allowed roots (relative ones from the project root),
    or None when it lies elsewhere or does not exist."""
    if not text or "\x00" in text:
        return None
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = project_root() / candidate
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if any(resolved.is_relative_to(root) for root in allowed_roots(registry)):
        return resolved
    return None
