"""The pieces every rule uses: a violation, the rule's shape, and reading imports."""

from __future__ import annotations

import ast
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from orion.modules.dev_tools.scanning.source import Codebase, SourceFile

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Violation:
    rule: str
    severity: str
    file: str
    line: int
    message: str
    module: str | None = None
    # What stays the same while the code around it moves (no line numbers): with the rule
    # and the file, it makes the fingerprint a later scan recognises the violation by.
    key: str = ""

    def fingerprint(self, occurrence: int = 0) -> str:
        text = "\x1f".join((self.rule, self.file, self.key or self.message, str(occurrence)))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "module": self.module,
            "file": self.file,
            "line": self.line,
            "message": self.message,
        }


class Rule(ABC):
    """One architecture rule: a stable code, a severity, and what it checks."""

    code: ClassVar[str]
    severity: ClassVar[str] = "error"
    title: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def check(self, codebase: Codebase) -> Iterator[Violation]:
        """Every violation of the rule in `codebase`."""

    def violation(
        self, file: SourceFile | str, line: int, message: str, *, key: str = "", module=None
    ) -> Violation:  # type: ignore[no-untyped-def]
        name = file if isinstance(file, str) else file.name
        return Violation(self.code, self.severity, name, line, message, module, key)


@dataclass(frozen=True)
class Import:
    line: int
    name: str  # the absolute dotted name imported (for `from a import b`: `a.b`)
    base: str  # for `from a import b`: `a`; for `import a.b`: `a.b`
    type_only: bool  # under `if TYPE_CHECKING:`


def imports(file: SourceFile) -> Iterator[Import]:
    """Every import of the file, relative ones made absolute, in source order."""
    tree = file.tree
    if tree is None:
        return
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and _is_type_checking(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    package = _package_of(file)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node.lineno, alias.name, alias.name, id(node) in type_only)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                if package is None:
                    continue
                parts = package.split(".")
                if node.level - 1 > len(parts) - 1:
                    continue
                parents = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parents, *([base] if base else [])])
            if not base:
                continue
            for alias in node.names:
                if alias.name == "*":
                    yield Import(node.lineno, base, base, id(node) in type_only)
                else:
                    name = f"{base}.{alias.name}"
                    yield Import(node.lineno, name, base, id(node) in type_only)


def _package_of(file: SourceFile) -> str | None:
    if file.module is None:
        return None
    if file.is_package:
        return file.module
    return file.module.rpartition(".")[0] or None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def owner_of(name: str, owners: dict[str, str]) -> tuple[str, str] | None:
    """(package, code) of the module whose package holds `name` (the longest wins)."""
    best: tuple[str, str] | None = None
    for package, code in owners.items():
        if (name == package or name.startswith(f"{package}.")) and (
            best is None or len(package) > len(best[0])
        ):
            best = (package, code)
    return best


def enclosing_names(tree: ast.Module) -> dict[int, str]:
    """id(node) -> the qualified name of the function or class it is in ("" at top level)."""
    names: dict[int, str] = {}

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = f"{scope}.{child.name}" if scope else child.name
            names[id(child)] = inner if child is not None else scope
            visit(child, inner)

    visit(tree, "")
    return names
