"""Migrations through Alembic, with one version branch per module (and one for the kernel).

Each module keeps its revisions in `<module>/migrations/versions/`; its first revision
carries `branch_labels = ("<code>",)` and `depends_on` the branches whose tables it points
at. Autogenerate for a module only sees tables prefixed with `<code>_`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from orion.kernel.data.db import Base
from orion.kernel.runtime import Runtime

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
KERNEL_BRANCH = "kernel"


def alembic_config(runtime: Runtime, *, stdout: Any = None) -> Config:
    config = Config(stdout=stdout or io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions")]
    for definition in runtime.registry.ordered:
        path = definition.migrations_path
        if path.is_dir():
            locations.append(str(path))
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.attributes["runtime"] = runtime
    return config


def upgrade(runtime: Runtime, target: str = "heads") -> list[str]:
    """Apply migrations up to `target`; the revisions applied, oldest first ("branch: doc")."""
    config = alembic_config(runtime)
    before = _applied(runtime)
    command.upgrade(config, target)
    after = _applied(runtime)
    script = ScriptDirectory.from_config(config)
    ordered = [r for r in reversed(list(script.walk_revisions())) if r.revision in after - before]
    return [f"{_branch_of(script, r)}: {(r.doc or r.revision).splitlines()[0]}" for r in ordered]


def _applied(runtime: Runtime) -> set[str]:
    """Every revision the database is at or past (the heads and their ancestors)."""
    config = alembic_config(runtime)
    script = ScriptDirectory.from_config(config)
    with runtime.database.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return {r.revision for r in script.iterate_revisions(heads, "base")} if heads else set()


def _branch_of(script: ScriptDirectory, revision: Any) -> str:
    while revision is not None and not revision.branch_labels:
        parent = revision.down_revision
        revision = script.get_revision(parent) if isinstance(parent, str) else None
    return next(iter(revision.branch_labels)) if revision is not None else "?"


def downgrade(runtime: Runtime, module: str, target: str | None = None) -> None:
    """Downgrade one module's branch: one step by default, or to `target` ("base")."""
    if module != KERNEL_BRANCH:
        runtime.registry.get(module)
    config = alembic_config(runtime)
    if target in (None, "-1"):
        target = f"{module}@-1"
    elif target == "base":
        target = f"{module}@base"
    command.downgrade(config, target)


def revision(runtime: Runtime, module: str, message: str, *, autogenerate: bool = True) -> Path:
    if module == KERNEL_BRANCH:
        version_path = MIGRATIONS_DIR / "versions"
    else:
        version_path = runtime.registry.get(module).migrations_path
    version_path.mkdir(parents=True, exist_ok=True)  # before the config lists the folders
    config = alembic_config(runtime)
    # Autogenerate sees only this module's tables.
    config.attributes["owns_table"] = lambda name: table_owner(runtime, name) == module
    script = ScriptDirectory.from_config(config)
    has_branch = module in _branch_labels(script)
    kwargs: dict[str, Any] = {"message": message, "autogenerate": autogenerate}
    if has_branch:
        kwargs["head"] = f"{module}@head"
    else:
        kwargs.update(head="base", branch_label=module, version_path=str(version_path))
        if module != KERNEL_BRANCH:
            kwargs["depends_on"] = KERNEL_BRANCH
    result = command.revision(config, **kwargs)
    scripts = result if isinstance(result, list) else [result]
    return Path(scripts[0].path)


def _branch_labels(script: ScriptDirectory) -> set[str]:
    labels: set[str] = set()
    for rev in script.walk_revisions():
        labels.update(rev.branch_labels or ())
    return labels


def differences(runtime: Runtime) -> list[Any]:
    """What autogenerate would change: empty when models and migrations agree."""
    with runtime.database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, compare_to: (
                    _table_name(obj, name, type_) != "alembic_version"
                ),
            },
        )
        return compare_metadata(context, Base.metadata)


def _table_name(obj: Any, name: str | None, type_: str) -> str | None:
    if type_ == "table":
        return name
    table = getattr(obj, "table", None)
    return table.name if table is not None else None


def pending_heads(runtime: Runtime) -> list[str]:
    """Head revisions not yet applied to the database."""
    script = ScriptDirectory.from_config(alembic_config(runtime))
    with runtime.database.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    applied = _ancestors(script, current)
    return sorted(head for head in script.get_heads() if head not in applied)


def _ancestors(script: ScriptDirectory, revisions: Iterable[str]) -> set[str]:
    """The revisions at or below these, following `depends_on` as well as `down_revision`."""
    seen: set[str] = set()
    stack = list(revisions)
    while stack:
        rev = script.get_revision(stack.pop())
        if rev is None or rev.revision in seen:
            continue
        seen.add(rev.revision)
        stack.extend(_as_tuple(rev.down_revision))
        for dependency in _as_tuple(rev.dependencies):
            stack.extend(r.revision for r in script.get_revisions(dependency) if r is not None)
    return seen


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def branch_heads(runtime: Runtime) -> list[tuple[str, str]]:
    """(branch label, head revision) for every branch."""
    script = ScriptDirectory.from_config(alembic_config(runtime))
    result = []
    for head in script.get_heads():
        labels: set[str] = set()
        for rev in script.iterate_revisions(head, "base"):
            labels.update(rev.branch_labels or ())
        result.append((",".join(sorted(labels)) or "?", head))
    return sorted(result)


def table_owner(runtime: Runtime, table_name: str) -> str | None:
    """The module whose prefix is the longest naming the table: `api_keys_key` belongs to
    api_keys, not to a module called api."""
    prefixes = {f"{KERNEL_BRANCH}_": KERNEL_BRANCH}
    prefixes.update((d.table_prefix, d.code) for d in runtime.registry.ordered)
    matches = [prefix for prefix in prefixes if table_name.startswith(prefix)]
    return prefixes[max(matches, key=len)] if matches else None


def missing_migrations(runtime: Runtime) -> list[str]:
    """Modules with tables but no migrations folder."""
    problems = []
    for definition in runtime.registry.ordered:
        tables = [t for t in Base.metadata.tables if table_owner(runtime, t) == definition.code]
        if tables and not any(definition.migrations_path.glob("*.py")):
            problems.append(f"module {definition.code} has tables but no migrations")
    return problems
