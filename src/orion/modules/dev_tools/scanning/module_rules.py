"""Rules about one module's source: what it imports, which files it has, what its services
and models do. The shape rules call the kernel's own checks (`kernel.tooling.checks.shape`),
so `orion modules check` and a scan agree."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from types import SimpleNamespace

from orion.kernel.tooling.checks.shape import NOT_SOURCE, missing_files, undeclared_imports
from orion.modules.dev_tools.scanning.base import (
    Rule,
    Violation,
    enclosing_names,
    imports,
    owner_of,
)
from orion.modules.dev_tools.scanning.source import Codebase, ScannedModule, SourceFile

PUBLIC = frozenset({"service", "services", "schemas", "events"})
ROUTE_FILES = frozenset({"routes", "console"})  # where a web error may be raised


def source_files(module: ScannedModule) -> Iterator[SourceFile]:
    """The module's own run-time code (not its tests or migrations)."""
    for file in module.files:
        if not NOT_SOURCE.intersection(module.relative(file).parts[:-1]):
            yield file


def _first_part(module: ScannedModule, file: SourceFile) -> str:
    relative = module.relative(file)
    return relative.parts[0].removesuffix(".py") if relative.parts else ""


class ModuleIsolation(Rule):
    code = "module-isolation"
    title = "Modules meet only through service, schemas and events"
    description = (
        "A module imports another module only through its public surface: its `service` "
        "(or `services`), `schemas` and `events` (and its package, where the definition "
        "lives); never its models, repository, routes, tasks or anything else."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        for module in codebase.modules:
            own = module.definition.package
            for file in source_files(module):
                for found in imports(file):
                    owner = owner_of(found.name, codebase.owners)
                    if owner is None or owner[0] == own:
                        continue
                    package, code = owner
                    rest = (
                        found.name[len(package) + 1 :].split(".") if found.name != package else []
                    )
                    if not rest or rest[0] in PUBLIC:
                        continue
                    if not _is_submodule(codebase, package, rest[0]):
                        continue  # an attribute of the package itself (its definition)
                    yield self.violation(
                        file,
                        found.line,
                        f"imports {found.name} from module {code}: read another module only "
                        "through its service, schemas and events",
                        key=found.name,
                        module=module.code,
                    )


def _is_submodule(codebase: Codebase, package: str, name: str) -> bool:
    for definition in codebase.definitions:
        if definition.package == package:
            root = getattr(definition, "root", None)
            if root is None:
                try:
                    root = definition.path
                except Exception:
                    return True
            return (root / f"{name}.py").is_file() or (root / name / "__init__.py").is_file()
    return True


class RequiresMatchImports(Rule):
    code = "requires-matches-imports"
    title = "`requires` lists every module imported"
    description = (
        "Every other module a module's source imports is listed in its `requires` "
        "(the kernel's `orion modules check` rule, without imports only type checkers run)."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        registry = SimpleNamespace(ordered=codebase.definitions)
        for module in codebase.modules:
            scanned = {module.relative(f): f for f in source_files(module)}
            for found in undeclared_imports(module.definition, registry):  # type: ignore[arg-type]
                file = scanned.get(found.file)
                if file is None:
                    continue  # outside what this scan covers
                if found.code is None:
                    message = f"imports {found.name}, which is no installed module"
                else:
                    message = (
                        f"imports {found.name} from module {found.code}, which is not in "
                        f"its requires; add {found.code!r} to requires or drop the import"
                    )
                yield self.violation(file, found.line, message, key=found.name, module=module.code)


class RequiredFiles(Rule):
    code = "required-files"
    title = "Every module has the files of its roles"
    description = (
        "A module has service.py (or services/), schemas.py and exceptions.py; with models "
        "also models.py, repository.py and migrations/versions/; with console pages its "
        "templates/<code>/ folder; with tasks_path that file (the kernel's shape check). "
        "Reported on the module's definition."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        for module in codebase.modules:
            init = next((f for f in module.files if f.path == module.init_file), None)
            if init is None:
                continue
            for missing in missing_files(module.definition):
                yield self.violation(
                    init,
                    module.definition.definition_line,
                    missing,
                    key=missing,
                    module=module.code,
                )


def _service_files(module: ScannedModule) -> Iterator[SourceFile]:
    for file in source_files(module):
        if _first_part(module, file) in ("service", "services"):
            yield file


class NoCommitInServices(Rule):
    code = "no-commit-in-services"
    title = "Services flush, never commit"
    description = (
        "A module's service code never calls `commit()`: the request, task or CLI call "
        "that opened the unit of work commits it (or rolls it back)."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        for module in codebase.modules:
            for file in _service_files(module):
                tree = file.tree
                if tree is None:
                    continue
                scopes = enclosing_names(tree)
                for node in ast.walk(tree):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "commit"
                    ):
                        receiver = ast.unparse(node.func.value)
                        where = scopes.get(id(node), "") or "module level"
                        yield self.violation(
                            file,
                            node.lineno,
                            f"{receiver}.commit() in {where}: services flush; the request, "
                            "task or CLI call that opened the unit of work commits",
                            key=f"{where}:{receiver}.commit",
                            module=module.code,
                        )


class NoHttpExceptionOutsideRoutes(Rule):
    code = "no-httpexception-outside-routes"
    title = "HTTPException only in routes"
    description = (
        "Only a module's routes and console pages may raise FastAPI's/Starlette's "
        "`HTTPException`; services and the rest raise the module's `OrionError`s."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        for module in codebase.modules:
            for file in source_files(module):
                if _first_part(module, file) in ROUTE_FILES or file.tree is None:
                    continue
                yield from self._file(module, file)

    def _file(self, module: ScannedModule, file: SourceFile) -> Iterator[Violation]:
        assert file.tree is not None
        scopes = enclosing_names(file.tree)
        raised = False
        for node in ast.walk(file.tree):
            if isinstance(node, ast.Call) and _names_http_exception(node.func):
                raised = True
                where = scopes.get(id(node), "") or "module level"
                yield self.violation(
                    file,
                    node.lineno,
                    f"HTTPException raised in {where}: raise the module's OrionError "
                    "(its status and code) outside routes",
                    key=f"raise:{where}",
                    module=module.code,
                )
        if raised:
            return
        for found in imports(file):
            if found.name.rsplit(".", 1)[-1] == "HTTPException":
                yield self.violation(
                    file,
                    found.line,
                    f"imports {found.name} outside routes: raise the module's OrionError",
                    key=f"import:{found.name}",
                    module=module.code,
                )


def _names_http_exception(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "HTTPException") or (
        isinstance(func, ast.Attribute) and func.attr == "HTTPException"
    )


def model_files(module: ScannedModule) -> Iterator[SourceFile]:
    for file in source_files(module):
        if _first_part(module, file) == "models":
            yield file


def model_classes(file: SourceFile) -> Iterator[tuple[ast.ClassDef, str | None, int]]:
    """(class, its literal `__tablename__` or None, the line of it) of each class."""
    if file.tree is None:
        return
    for node in ast.walk(file.tree):
        if isinstance(node, ast.ClassDef):
            table, line = None, node.lineno
            for statement in node.body:
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else []
                )
                value = getattr(statement, "value", None)
                named = any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets)
                if named and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    table, line = value.value, statement.lineno
            yield node, table, line


class TenantMixin(Rule):
    code = "tenant-mixin"
    title = "Tenant-owned models mix in TenantScoped"
    description = (
        "A model whose rows each belong to a tenant (a non-nullable `tenant_id`) mixes in "
        "the kernel's `TenantScoped`, so the kernel filters its queries to the acting "
        "tenant and PostgreSQL's row-level security keys on it."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        for module in codebase.modules:
            for file in model_files(module):
                classes = {node.name: node for node, _t, _l in model_classes(file)}
                for node, table, _line in model_classes(file):
                    if table is None or _tenant_scoped(node, classes):
                        continue
                    line = _required_tenant_id(node)
                    if line is not None:
                        yield self.violation(
                            file,
                            line,
                            f"model {node.name} (table {table}) has a tenant_id of its own but "
                            "does not mix in TenantScoped: its queries are not filtered to "
                            "the acting tenant",
                            key=node.name,
                            module=module.code,
                        )


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def _tenant_scoped(node: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int = 0) -> bool:
    for name in _base_names(node):
        if name == "TenantScoped":
            return True
        local = classes.get(name)
        if (
            local is not None
            and local is not node
            and depth < 10
            and _tenant_scoped(local, classes, depth + 1)
        ):
            return True
    return False


def _required_tenant_id(node: ast.ClassDef) -> int | None:
    """The line of a `tenant_id` column that every row must have, if the class has one."""
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign):
            target, annotation, value = statement.target, statement.annotation, statement.value
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, annotation, value = statement.targets[0], None, statement.value
        else:
            continue
        if not (isinstance(target, ast.Name) and target.id == "tenant_id"):
            continue
        if annotation is not None and _optional(annotation):
            continue
        if isinstance(value, ast.Call) and any(
            k.arg == "nullable" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in value.keywords
        ):
            continue
        if annotation is None and not isinstance(value, ast.Call):
            continue
        return statement.lineno
    return None


def _optional(annotation: ast.expr) -> bool:
    text = ast.unparse(annotation).replace(" ", "")
    return "|None" in text or "None|" in text or "Optional[" in text
