"""`check_registry` / `orion modules check`: every path a definition names is resolved."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from orion.kernel.contract.modules import Registry
from orion.kernel.tooling.checks import check_registry
from tests.conftest import TESTKIT, TESTKIT_PROVIDERS, drop_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def write_package(root: Path, name: str, files: dict[str, str]) -> None:
    package = root / name
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def problems_of(code: str, problems: list[str]) -> list[str]:
    return [p for p in problems if p.startswith(f"module {code}: ")]


def has(problems: list[str], *parts: str) -> bool:
    return any(all(part in problem for part in parts) for problem in problems)


def not_shape(problems: list[str], besides: list[str] = ()) -> list[str]:
    """The problems other than `besides`."""
    return [p for p in problems if p not in besides]


# -- the real registry ---------------------------------------------------------------------


def test_builtin_modules_are_sound():
    assert check_registry(Registry.discover()) == []


def test_testkit_modules_resolve_everything_they_name():
    # The test kit stands in for tenancy and auth, in the shape every module has.
    problems = check_registry(Registry.discover(TESTKIT))

    builtin = {d.code for d in Registry.discover().ordered}
    testkit = [p for p in problems if p.split(":", 1)[0].removeprefix("module ") not in builtin]
    assert not_shape(testkit) == []


# -- the shape: files, pages behind menu items, requirements --------------------------------

SOUND_MODULE = {
    "service.py": "",
    "schemas.py": "",
    "exceptions.py": "",
    "console.py": """
        from fastapi import APIRouter

        pages = APIRouter()

        @pages.get("/")
        def index():
            return {}

        @pages.get("/things/{thing_id}")
        def thing(thing_id: int):
            return {}
    """,
}


def shaped_module(tmp_path, monkeypatch, files: dict[str, str], **fields: str) -> tuple[str, str]:
    """A module with a console page and a menu item, plus `files`; its (package, code)."""
    package, code = unique("shape_pkg"), unique("shape")
    home = f'MenuItem(section="tenant", label="Home", path="/console/{code}")'
    menu = fields.get("menu", home).format(code=code)
    definition = f"""
        from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Tier

        definition = ModuleDefinition(
            code="{code}",
            name="Shaped",
            version="1.0.0",
            tier=Tier.OPTIONAL,
            requires={fields.get("requires", "()")},
            routers={{"console": "{package}.console:pages"}},
            menu=({menu},),
        )
    """
    write_package(
        tmp_path,
        package,
        {"__init__.py": definition, f"templates/{code}/index.html": "", **SOUND_MODULE, **files},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return package, code


def test_a_sound_shape_has_no_problems(tmp_path, monkeypatch):
    package, code = shaped_module(
        tmp_path,
        monkeypatch,
        {"service.py": "from orion.modules.tenancy import services as tenancy\n"},
        requires='("tenancy",)',
    )

    assert problems_of(code, check_registry(Registry.discover([package]))) == []


def test_a_missing_required_file_is_named(tmp_path, monkeypatch):
    package, code = shaped_module(tmp_path, monkeypatch, {})
    (tmp_path / package / "exceptions.py").unlink()
    shutil.rmtree(tmp_path / package / "templates")

    mine = problems_of(code, check_registry(Registry.discover([package])))

    assert has(mine, f"module {code}: files: exceptions.py is missing")
    assert has(mine, f"module {code}: files: templates/{code}/ is missing")
    assert len(mine) == 2, mine


def test_a_menu_path_without_a_route_is_named(tmp_path, monkeypatch):
    package, code = shaped_module(
        tmp_path,
        monkeypatch,
        {},
        menu='MenuItem(section="tenant", label="Gone", path="/console/{code}/nowhere"), '
        'MenuItem(section="tenant", label="One", path="/console/{code}/things/7")',
    )

    mine = problems_of(code, check_registry(Registry.discover([package])))

    assert mine == [
        f"module {code}: menu item '/console/{code}/nowhere': no GET route of the module's "
        "console routers serves this path"
    ]


def test_an_import_of_a_module_not_required_is_named_with_file_and_line(tmp_path, monkeypatch):
    package, code = shaped_module(
        tmp_path,
        monkeypatch,
        {
            "service.py": """
                from typing import TYPE_CHECKING

                from orion.modules.tenancy import services as tenancy

                if TYPE_CHECKING:
                    from orion.modules.billing.schemas import PlanPublic


                def spend():
                    from orion.modules.credits.events import BalanceLow
            """,
            "tests/test_it.py": "import orion.modules.auth\n",
            "migrations/versions/x.py": "import orion.modules.auth\n",
        },
        requires='("tenancy",)',
    )

    mine = problems_of(code, check_registry(Registry.discover([package])))

    assert mine == [
        f"module {code}: requires: service.py:10 imports orion.modules.credits.events.BalanceLow "
        "from module credits, which is not in its requires or uses; add 'credits' to requires "
        "(or uses) or drop the import"
    ]


# -- broken definitions, in process (no models: the shared metadata stays clean) ------------


def test_broken_definition_gives_problems_naming_module_and_field(tmp_path, monkeypatch):
    package, code = unique("broken_pkg"), unique("broken")
    write_package(
        tmp_path,
        package,
        {
            "__init__.py": f"""
                from orion.kernel.contract.modules import (
                    MenuItem, ModuleDefinition, Permission, ScheduledTask, Tier,
                )

                P = "{package}"
                definition = ModuleDefinition(
                    code="{code}",
                    name="Broken",
                    version="1.0.0",
                    tier=Tier.OPTIONAL,
                    routers={{"api": P + ".routes:missing", "admin": P + ".routes:not_a_router"}},
                    permissions=(Permission("{code}.read"),),
                    menu=(
                        MenuItem(section="tenant", label="Fine", path="/f",
                                 permission="{code}.read"),
                        MenuItem(section="tenant", label="Orphan", path="/o",
                                 permission="nobody.declares_this"),
                    ),
                    tasks_path=P + ".tasks",
                    scheduled_tasks=(
                        ScheduledTask("{code}.ghost", cron="0 3 * * *"),
                        ScheduledTask("{code}.fan", cron="0 1 * * *", task="{code}.ok",
                                      per_tenant=True),
                        ScheduledTask("{code}.borrowed", cron="0 2 * * *", task="widgets.count"),
                    ),
                    handlers={{
                        "not-an-event": P + ".service:handle",
                        "{code}.undeclared": P + ".service:handle",
                        "{code}.happened": P + ".service:handle",
                        "widgets.widget_created": P + ".service:missing_handler",
                    }},
                    transaction_handlers={{
                        "nomodule.thing": P + ".service:handle",
                        "{code}.happened": P + ".service:one_argument",
                    }},
                    health_checks=(P + ".service:NOT_CALLABLE",),
                    provides={{
                        "gizmo": P + ".service:absent",
                        "credit_balance": P + ".service:one_argument",
                    }},
                    on_enable=P + ".nowhere:hook",
                    on_disable=P + ".service:handle",
                )
            """,
            "routes.py": """
                from fastapi import APIRouter

                api = APIRouter()
                not_a_router = 42
            """,
            "tasks.py": f"""
                from orion.kernel.runtime.tasks import task

                @task("count_things")
                def count_things(session):
                    return 0

                @task("{code}.ok")
                def ok(session):
                    return 1

                @task("{code}.keywords_only")
                def keywords_only(*, session):
                    return 2
            """,
            "service.py": """
                NOT_CALLABLE = "a string"

                def handle(session, event):
                    pass

                def one_argument(session):
                    pass
            """,
            "events.py": f"""
                from typing import ClassVar

                from orion.kernel.runtime.events import Event

                class Happened(Event):
                    name: ClassVar[str] = "{code}.happened"
            """,
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    problems = check_registry(Registry.discover([*TESTKIT, package]))

    mine = problems_of(code, problems)
    assert not_shape(problems, besides=mine) == [], "only the broken module has problems"
    assert has(mine, "routers.api", f"{package}.routes:missing", "cannot be resolved")
    assert has(mine, "routers.admin", "not a fastapi.APIRouter")
    assert has(mine, "task 'count_things'", f"must be named {code}.<action>")
    assert has(mine, f"scheduled task '{code}.ghost'", "no module declares")
    assert has(mine, f"scheduled task '{code}.fan'", "per_tenant", "no tenant_id")
    assert not has(mine, f"'{code}.borrowed'")  # another module's task is fine
    assert has(mine, "menu item 'Orphan'", "nobody.declares_this", "no module declares")
    assert not has(mine, "menu item 'Fine'")
    assert has(mine, "handlers 'not-an-event'", "<module>.<event>")
    assert has(mine, f"handlers '{code}.undeclared'", "not declared")
    assert not has(mine, f"handlers '{code}.happened'", "not declared")
    assert has(mine, f"transaction_handlers '{code}.happened'", "one_argument", "session, event")
    assert has(mine, f"task '{code}.keywords_only'", "session as its first argument")
    assert not has(mine, "on_disable")
    assert has(mine, "handlers 'widgets.widget_created'", "missing_handler", "cannot be resolved")
    assert has(mine, "transaction_handlers 'nomodule.thing'", "no module nomodule")
    assert has(mine, "health_checks", "NOT_CALLABLE", "not callable")
    assert has(mine, "provides.gizmo", "no extension point gizmo")
    assert has(mine, "provides.credit_balance", "does not fit CreditBalance", "session, tenant_id")
    assert has(mine, "on_enable", f"{package}.nowhere:hook", "ModuleNotFoundError")


def test_import_errors_become_problems_and_nothing_escapes(tmp_path, monkeypatch):
    package, code = unique("explosive_pkg"), unique("explosive")
    write_package(
        tmp_path,
        package,
        {
            "__init__.py": f"""
                from orion.kernel.contract.modules import ModuleDefinition, Tier

                definition = ModuleDefinition(
                    code="{code}",
                    name="Explosive",
                    version="1.0.0",
                    tier=Tier.OPTIONAL,
                    models="{package}.models",
                    routers={{"api": "{package}.routes:api"}},
                    tasks_path="{package}.tasks",
                    on_startup="{package}:missing_attribute",
                    health_checks=("{package}.exits:check",),
                )
            """,
            "models.py": "raise RuntimeError('boom while importing models')\n",
            "routes.py": "import a_dependency_that_is_not_installed_anywhere\n",
            "tasks.py": "def broken(:\n",
            "exits.py": "raise SystemExit(3)\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    problems = check_registry(Registry.discover([*TESTKIT, package]))

    mine = problems_of(code, problems)
    assert not_shape(problems, besides=mine) == []
    assert has(mine, "models", "RuntimeError", "boom while importing models")
    assert not has(mine, "could not be checked")  # each failure is reported once, plainly
    assert has(mine, "routers.api", "ModuleNotFoundError", "a_dependency_that_is_not_installed")
    assert has(mine, "tasks_path", "SyntaxError")
    assert has(mine, "on_startup", "AttributeError", "missing_attribute")
    assert has(mine, "health_checks", "SystemExit")


# -- the command, on a module with tables --------------------------------------------------


def orion_command() -> list[str]:
    script = Path(sys.executable).with_name("orion")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from orion.cli import main; main()"]


def test_orion_modules_check_fails_on_a_broken_module(tmp_path):
    write_package(
        tmp_path / "pkgs",
        "acme_broken",
        {
            "__init__.py": """
                from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Tier

                definition = ModuleDefinition(
                    code="broken",
                    name="Broken",
                    version="1.0.0",
                    tier=Tier.OPTIONAL,
                    models="acme_broken.models",
                    routers={"api": "acme_broken.routes:nowhere"},
                    tasks_path="acme_broken.tasks",
                    menu=(MenuItem(section="tenant", label="Broken", path="/console/broken",
                                   permission="broken.view"),),
                )
            """,
            "models.py": """
                from sqlalchemy import String
                from sqlalchemy.orm import Mapped, mapped_column

                from orion.kernel.data.db import Base, UUIDPrimaryKey

                class Gizmo(UUIDPrimaryKey, Base):
                    __tablename__ = "gizmo"

                    name: Mapped[str] = mapped_column(String(50))

                class BrokenThing(UUIDPrimaryKey, Base):
                    __tablename__ = "broken_thing"
            """,
            "routes.py": """
                from fastapi import APIRouter

                api = APIRouter()
            """,
            "tasks.py": """
                from orion.kernel.runtime.tasks import task

                @task("count_gizmos")
                def count_gizmos(session):
                    return 0
            """,
        },
    )
    url = fresh_database_url(tmp_path, "check")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    env.update(
        ORION_DATABASE_URL=url,
        ORION_EXTRA_MODULES=json.dumps([*TESTKIT, "acme_broken"]),
        ORION_PROVIDERS=json.dumps(TESTKIT_PROVIDERS),
        PYTHONPATH=os.pathsep.join([str(tmp_path / "pkgs"), str(FIXTURES)]),
    )
    try:
        result = subprocess.run(
            [*orion_command(), "modules", "check"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        drop_database(url)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    assert "problem(s) in module definitions" in result.stderr
    lines = [line for line in result.stdout.splitlines() if "module broken:" in line]
    for expected in (
        ("routers.api", "acme_broken.routes:nowhere", "cannot be resolved"),
        ("task 'count_gizmos'", "must be named broken.<action>"),
        ("table 'gizmo'", "acme_broken.models.Gizmo", "broken_<name>"),
        ("migrations", "has tables", "no revision"),
        ("menu item 'Broken'", "broken.view", "no module declares"),
    ):
        assert any(all(part in line for part in expected) for line in lines), (expected, output)
    assert not [line for line in not_shape(result.stdout.splitlines()) if "module widgets" in line]
