"""`orion modules new CODE`: scaffold a working optional module and its tests.

The module has the shape of the built-in ones, each file in its role: a cheap `__init__`
holding the definition, a tenant-scoped model `<Name>Item` on table `<code>_item` and the
first Alembic revision of the `<code>` branch (with row-level security), schemas with a
`Listing`, a repository, a service acting for a tenant, module errors, an
`<code>.item_created` event, permission dependencies, one `api` router serving members and
operators, a console page with a form (the menu item opens it), a task that is safe to run
twice, and tests of the service, the API and the page. `orion modules check` and
`orion db check` pass on it, and so do its tests, as generated.

The files are rendered from `scaffold_templates/*.tmpl` with `string.Template`.
"""

from __future__ import annotations

import keyword
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from importlib import import_module, resources
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path
from string import Template

from orion.kernel.contract.modules import (
    BUILTIN_PACKAGE,
    ENTRY_POINT_GROUP,
    builtin_packages,
    load_definition,
)
from orion.kernel.data.db import NAMING_CONVENTION

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# Index names are `ix_<code>_item_tenant_id`; PostgreSQL cuts identifiers at 63 bytes.
MAX_CODE_LENGTH = 40
RESERVED_CODES = frozenset({"kernel", "orion", "modules", "tests", "test"})
NAME_LENGTH = 100
TEMPLATES = "orion.kernel.tooling.scaffold_templates"

# template -> path inside the module package
MODULE_FILES = {
    "definition.py.tmpl": "__init__.py",
    "models.py.tmpl": "models.py",
    "schemas.py.tmpl": "schemas.py",
    "exceptions.py.tmpl": "exceptions.py",
    "repository.py.tmpl": "repository.py",
    "events.py.tmpl": "events.py",
    "service.py.tmpl": "service.py",
    "dependencies.py.tmpl": "dependencies.py",
    "routes.py.tmpl": "routes.py",
    "console.py.tmpl": "console.py",
    "tasks.py.tmpl": "tasks.py",
}
# template -> path inside the module's tests folder
TEST_FILES = {
    "conftest.py.tmpl": "conftest.py",
    "test_service.py.tmpl": "test_service.py",
    "test_api.py.tmpl": "test_api.py",
    "test_console.py.tmpl": "test_console.py",
}


class ScaffoldError(Exception):
    """The module cannot be created; the message says why."""


def scaffold_module(
    code: str,
    *,
    modules_dir: Path | str | None = None,
    tests_dir: Path | str | None = None,
    installed: Collection[str] | None = None,
) -> list[Path]:
    """Create module `code` in `modules_dir` and its tests in `tests_dir`; return the files.

    `modules_dir` defaults to the built-in modules (`src/orion/modules`), `tests_dir` to
    `tests/modules` under the current directory. The module's import name follows the
    `__init__.py` files above `modules_dir`: `orion.modules.<code>` by default, `<code>`
    alone in a folder that is not a package. `installed` is the set of module codes already
    in use (default: the built-in modules, entry points and ORION_EXTRA_MODULES).
    """
    check_code(code)
    modules_root = Path(modules_dir) if modules_dir is not None else builtin_modules_dir()
    tests_root = Path(tests_dir) if tests_dir is not None else Path.cwd() / "tests" / "modules"
    if installed is None:
        installed = installed_codes()
    if code in installed:
        raise ScaffoldError(f"module code {code!r} is already used by an installed module")

    module_dir = modules_root / code
    if module_dir.exists():
        raise ScaffoldError(f"{module_dir} already exists; choose another code or remove it")
    package = package_name(modules_root, code)
    if _importable(package):
        raise ScaffoldError(
            f"the import name {package} is already taken by another package; "
            "choose another code or directory"
        )
    test_dir = tests_root / code
    for test_file in (test_dir / name for name in TEST_FILES.values()):
        if test_file.exists():
            raise ScaffoldError(f"{test_file} already exists; remove it or choose another code")

    values = template_values(code, package)
    files: list[tuple[Path, str]] = [
        (module_dir / target, render(template, values)) for template, target in MODULE_FILES.items()
    ]
    versions = module_dir / "migrations" / "versions"
    files.append(
        (versions / f"{values['revision']}_{code}_tables.py", render("migration.py.tmpl", values))
    )
    page = module_dir / "templates" / code / "console" / "index.html"
    files.append((page, render("index.html.tmpl", values)))
    if (tests_root / "__init__.py").is_file() and not (test_dir / "__init__.py").exists():
        files.append((test_dir / "__init__.py", ""))
    files += [(test_dir / name, render(template, values)) for template, name in TEST_FILES.items()]

    created: list[Path] = []
    made_test_dir = not test_dir.exists()
    try:
        for path, text in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            created.append(path)
    except OSError as exc:
        # Leave nothing half-made behind.
        shutil.rmtree(module_dir, ignore_errors=True)
        if made_test_dir:
            shutil.rmtree(test_dir, ignore_errors=True)
        else:
            for path in created:
                if path.is_relative_to(test_dir):
                    path.unlink(missing_ok=True)
        raise ScaffoldError(f"cannot write {exc.filename or 'the module'}: {exc.strerror}") from exc
    tidy([path for path in created if path.suffix == ".py"])
    return created


def check_code(code: str) -> None:
    if not CODE_PATTERN.match(code or ""):
        raise ScaffoldError(
            f"module code {code!r} must be lower_snake_case: a lowercase letter, then "
            "lowercase letters, digits and single underscores (e.g. loyalty_points)"
        )
    if len(code) > MAX_CODE_LENGTH:
        raise ScaffoldError(f"module code {code!r} is longer than {MAX_CODE_LENGTH} characters")
    if keyword.iskeyword(code) or code in RESERVED_CODES:
        raise ScaffoldError(f"module code {code!r} is reserved")


def builtin_modules_dir() -> Path:
    package = import_module(BUILTIN_PACKAGE)
    return Path(next(iter(package.__path__)))


def package_name(modules_dir: Path, code: str) -> str:
    """The import name a package `code` in `modules_dir` gets (from the `__init__.py` chain)."""
    parts = [code]
    current = modules_dir.resolve()
    while (current / "__init__.py").is_file():
        if not current.name.isidentifier() or keyword.iskeyword(current.name):
            raise ScaffoldError(f"{current} is a package but {current.name!r} is not importable")
        parts.insert(0, current.name)
        current = current.parent
    return ".".join(parts)


def installed_codes() -> set[str]:
    """Codes of the built-in modules, the entry-point modules and ORION_EXTRA_MODULES."""
    packages = list(builtin_packages())
    packages += [ep.value.partition(":")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)]
    packages += _configured_extra_modules()
    codes: set[str] = set()
    for package in packages:
        try:
            codes.add(load_definition(package).code)
        except Exception:  # a broken module still holds its name
            codes.add(package.rpartition(".")[2])
    return codes


def _configured_extra_modules() -> list[str]:
    from orion.settings import SettingsError, load_settings

    try:
        return list(load_settings().extra_modules)
    except SettingsError:  # unusable settings: go by the other modules
        return []


def _importable(package: str) -> bool:
    try:
        return find_spec(package) is not None
    except (ImportError, ValueError):
        return False  # its parent package is not importable from here


def template_values(code: str, package: str) -> dict[str, str]:
    name = "".join(part.capitalize() for part in code.split("_"))
    title = code.replace("_", " ").capitalize()
    table = f"{code}_item"
    return {
        "code": code,
        "package": package,
        "Name": name,
        "Model": f"{name}Item",
        "title": title,
        "description": f"{title} items of each tenant",
        "table": table,
        "name_length": str(NAME_LENGTH),
        "pk_name": NAMING_CONVENTION["pk"] % {"table_name": table},
        "tenant_index": NAMING_CONVENTION["ix"] % {"column_0_label": f"{table}_tenant_id"},
        "revision": uuid.uuid4().hex[-12:],
        "create_date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }


def render(template: str, values: dict[str, str]) -> str:
    text = resources.files(TEMPLATES).joinpath(template).read_text(encoding="utf-8")
    try:
        return Template(text).substitute(values)
    except (KeyError, ValueError) as exc:
        raise ScaffoldError(f"template {template} is broken: {exc}") from exc


def tidy(paths: list[Path]) -> None:
    """Sort imports and format with ruff when it is installed, by the project's settings.

    The templates are already formatted for codes of ordinary length; this re-wraps the
    lines a long code makes too long. Without ruff the files are left as rendered.
    """
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None or not paths:
        return
    files = [str(path) for path in paths]
    for arguments in (
        ["check", "--fix-only", "--select", "I", "--quiet", "--no-cache"],
        ["format", "--quiet", "--no-cache"],
    ):
        try:
            subprocess.run([ruff, *arguments, *files], capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.SubprocessError):
            return
