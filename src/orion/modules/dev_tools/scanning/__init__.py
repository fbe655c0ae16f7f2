"""The architecture scan: Orion's source (or a folder of it) read with `ast` and checked
against the rules. Nothing scanned is imported or run.

    report = scan([path], rules=["module-isolation"], registry=runtime.registry)
    for violation in report.violations: ...

A violation is silenced where it is reported with `# dev-tools: ignore[<rule>]` on its
line (or `# dev-tools: ignore` for every rule); say why beside it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orion.kernel.contract.modules import Registry
from orion.modules.dev_tools.scanning import module_rules, tree_rules
from orion.modules.dev_tools.scanning.base import Rule, Violation
from orion.modules.dev_tools.scanning.source import (
    Codebase,
    allowed_roots,
    default_targets,
    load,
    project_root,
    resolve_target,
)

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        module_rules.ModuleIsolation(),
        module_rules.RequiresMatchImports(),
        module_rules.RequiredFiles(),
        module_rules.NoCommitInServices(),
        module_rules.NoHttpExceptionOutsideRoutes(),
        tree_rules.ModelTableMigrated(),
        tree_rules.FileSize(),
        tree_rules.ImportCycle(),
        module_rules.TenantMixin(),
    )
}
_IGNORE = re.compile(r"#\s*dev-tools:\s*ignore(?:\[([a-z0-9\-,\s]+)\])?")

Progress = Callable[[int, int], None]


@dataclass
class ScanReport:
    targets: list[str]
    rules: list[str]
    files: int
    modules: list[str]
    violations: list[Violation] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)
    duration_ms: int = 0

    @property
    def clean(self) -> bool:
        return not self.violations

    def by_rule(self) -> dict[str, int]:
        counts = dict.fromkeys(self.rules, 0)
        for violation in self.violations:
            counts[violation.rule] = counts.get(violation.rule, 0) + 1
        return counts


def scan(
    targets: Sequence[Path] | None = None,
    *,
    rules: Iterable[str] | None = None,
    registry: Registry | None = None,
    max_file_lines: int = 600,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan `targets` (default: Orion's source and installed third-party modules)."""
    started = time.perf_counter()
    codes = list(RULES) if rules is None else [code for code in RULES if code in set(rules)]
    chosen = [RULES[code] for code in codes]
    paths = list(targets) if targets else default_targets(registry)
    total = len(chosen) + 1
    codebase = load(paths, registry, max_file_lines=max_file_lines)
    if progress:
        progress(1, total)
    found: list[Violation] = []
    for done, rule in enumerate(chosen, start=2):
        found.extend(v for v in rule.check(codebase) if not _silenced(codebase, v))
        if progress:
            progress(done, total)
    found.sort(key=lambda v: (v.file, v.line, v.rule, v.message))
    seen: dict[tuple[str, str, str], int] = {}
    fingerprints = []
    for violation in found:
        identity = (violation.rule, violation.file, violation.key or violation.message)
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        fingerprints.append(violation.fingerprint(occurrence))
    return ScanReport(
        targets=[_shown(p) for p in codebase.targets],
        rules=codes,
        files=len(codebase.files),
        modules=[m.code for m in codebase.modules],
        violations=found,
        fingerprints=fingerprints,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )


def _silenced(codebase: Codebase, violation: Violation) -> bool:
    file = next((f for f in codebase.files if f.name == violation.file), None)
    if file is None or not 0 < violation.line <= len(file.lines):
        return False
    match = _IGNORE.search(file.lines[violation.line - 1])
    if match is None:
        return False
    listed = match.group(1)
    return listed is None or violation.rule in {c.strip() for c in listed.split(",")}


def _shown(path: Path) -> str:
    try:
        return path.relative_to(project_root()).as_posix() or "."
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class Comparison:
    new: list[str]
    fixed: list[str]
    unchanged: list[str]


def compare(previous: Iterable[str], current: Iterable[str]) -> Comparison:
    """Fingerprints new in `current`, gone from `previous` (fixed), and in both."""
    before, now = list(dict.fromkeys(previous)), list(dict.fromkeys(current))
    old, new = set(before), set(now)
    return Comparison(
        new=[f for f in now if f not in old],
        fixed=[f for f in before if f not in new],
        unchanged=[f for f in now if f in old],
    )


__all__ = [
    "RULES",
    "Comparison",
    "Rule",
    "ScanReport",
    "Violation",
    "allowed_roots",
    "compare",
    "project_root",
    "resolve_target",
    "scan",
]
