"""Rules over the whole scanned tree: file sizes, import cycles, tables and migrations."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from orion.modules.dev_tools.scanning.base import Rule, Violation, imports
from orion.modules.dev_tools.scanning.module_rules import model_classes, model_files
from orion.modules.dev_tools.scanning.source import Codebase


class FileSize(Rule):
    code = "file-size"
    title = "Files a reader can hold"
    description = (
        "No Python file is longer than the limit (600 lines unless "
        "ORION_MODULES__DEV_TOOLS__MAX_FILE_LINES says otherwise): split it by concern. "
        "Reported at the first line past the limit."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        limit = codebase.max_file_lines
        for file in codebase.files:
            count = len(file.lines)
            if count > limit:
                yield self.violation(
                    file,
                    limit + 1,
                    f"{count} lines, more than the limit of {limit}: split it by concern",
                    key="too-long",
                    module=_module_of(codebase, file.path),
                )


def _module_of(codebase: Codebase, path: Path) -> str | None:
    best = None
    for module in codebase.modules:
        if path.is_relative_to(module.root) and (
            best is None or len(module.root.parts) > len(best.root.parts)
        ):
            best = module
    return best.code if best else None


class ImportCycle(Rule):
    code = "import-cycle"
    title = "No import cycles"
    description = (
        "No group of modules imports itself round in a circle (imports inside functions "
        "count; imports only type checkers run do not). Reported once per cycle, at the "
        "import that closes it from its first member."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        known = codebase.by_module_name
        graph: dict[str, dict[str, int]] = {name: {} for name in known}
        for name, file in known.items():
            for found in imports(file):
                if found.type_only:
                    continue
                target = _resolve(found.name, found.base, known)
                if target is not None and target != name:
                    graph[name].setdefault(target, found.line)
        for group in strongly_connected(graph):
            members = set(group)
            first = group[0]
            path = _cycle_path(graph, first, members)
            nxt = path[1]
            yield self.violation(
                known[first],
                graph[first][nxt],
                "import cycle: " + " -> ".join(path),
                key=",".join(group),
                module=_module_of(codebase, known[first].path),
            )


def _resolve(name: str, base: str, known: dict[str, object]) -> str | None:
    if name in known:
        return name
    candidate = base
    while candidate:
        if candidate in known:
            return candidate
        candidate = candidate.rpartition(".")[0]
    return None


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Groups of more than one node that reach each other (Tarjan, iteratively), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def _cycle_path(graph: dict[str, dict[str, int]], start: str, members: set[str]) -> list[str]:
    """A shortest way from `start` round to itself through `members` (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start, start]


class ModelTableMigrated(Rule):
    code = "model-table-migrated"
    title = "Every model's table has a migration"
    description = (
        "Each table a module's models define (`__tablename__`, `Table(...)`) is created by "
        "an `op.create_table` (or renamed into being) in the `upgrade()` of one of the "
        "module's revisions in migrations/versions/."
    )

    def check(self, codebase: Codebase) -> Iterator[Violation]:
        for module in codebase.modules:
            files = list(model_files(module))
            if not files:
                continue
            created = migrated_tables(module.root / "migrations" / "versions")
            for file in files:
                for name, line, what in _defined_tables(file):
                    if name in created:
                        continue
                    yield self.violation(
                        file,
                        line,
                        f"table {name} ({what}) is created by no migration of the module; "
                        f'run `orion db revision --module {module.code} -m "..."`',
                        key=name,
                        module=module.code,
                    )


def _defined_tables(file) -> Iterator[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    for node, table, line in model_classes(file):
        if table is not None:
            yield table, line, f"model {node.name}"
    if file.tree is None:
        return
    for statement in file.tree.body:
        value = getattr(statement, "value", None)
        if isinstance(value, ast.Call) and _called(value.func) == "Table" and value.args:
            first = value.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value, statement.lineno, "Table()"


def _called(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def migrated_tables(versions: Path) -> set[str]:
    """The tables the `upgrade()` functions of the revisions in `versions` create."""
    created: set[str] = set()
    if not versions.is_dir():
        return created
    for path in sorted(versions.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, ValueError, OSError, UnicodeDecodeError):
            continue
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name == "upgrade"):
                continue
            for call in ast.walk(node):
                if not isinstance(call, ast.Call):
                    continue
                name = _called(call.func)
                strings = [
                    a.value
                    for a in call.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
                if name == "create_table" and strings:
                    created.add(strings[0])
                elif name == "rename_table" and len(strings) >= 2:
                    created.add(strings[1])
    return created
