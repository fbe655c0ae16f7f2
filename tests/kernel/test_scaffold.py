"""`orion modules new`: the scaffolded module has the real shape, passes the checks, migrates,
is enabled, opens its menu item's page and passes its own tests as generated."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orion.kernel.tooling.scaffold import ScaffoldError, package_name, scaffold_module
from tests.conftest import TESTKIT, TESTKIT_PROVIDERS, drop_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"

# Runs the generated test with the repository's fixtures (tests/conftest.py), the module
# loaded as an extra module besides the test kit.
# Added to the generated tests' conftest: the kit's deployment, with the package made here.
GENERATED_SETTINGS = """


from tests.conftest import TESTKIT, drop_database, fresh_database_url, make_settings  # noqa: E402


@pytest.fixture(scope="session")
def settings(tmp_path_factory):  # noqa: F811
    url = fresh_database_url(tmp_path_factory.mktemp("db"), "scaffolded")
    yield make_settings(url, extra_modules=[*TESTKIT, {package!r}])
    drop_database(url)
"""


def orion_command() -> list[str]:
    script = Path(sys.executable).with_name("orion")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from orion.cli import main; main()"]


def clean_env(**values: str) -> dict[str, str]:
    # Keep ORION_TEST_* (PostgreSQL, Redis) for the generated test; drop deployment settings.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ORION_") or key.startswith("ORION_TEST_")
    }
    env.update(values)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


# Opens the generated module's menu item in the app, on the database the CLI migrated and
# enabled the module in, as a member of a tenant of the default platform.
OPEN_MENU_ITEM = """
from fastapi.testclient import TestClient

from orion.app import create_app
from orion.kernel.runtime import build_runtime
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.settings import load_settings
from orion_testkit.testdir.service import create_tenant

runtime = build_runtime(load_settings())
with runtime.database.unit_of_work() as session:
    tenant = create_tenant(session, "Acme", DEFAULT_PLATFORM_ID)
(item,) = runtime.registry.get("loyalty").menu
headers = {"X-Test-Tenant": str(tenant.tenant_id), "X-Test-Permissions": item.permission}
with TestClient(create_app(runtime=runtime, embedded_worker=False)) as client:
    page = client.get(item.path, headers=headers)
print(page.status_code, item.path)
print(page.text)
"""

MODULE_FILES = (
    "__init__.py",
    "models.py",
    "schemas.py",
    "exceptions.py",
    "repository.py",
    "service.py",
    "dependencies.py",
    "routes.py",
    "console.py",
    "events.py",
    "tasks.py",
    "templates/loyalty/console/index.html",
)


def test_scaffolded_module_is_sound_migrated_enabled_and_passes_its_tests(tmp_path):
    pkgs, tests_dir = tmp_path / "pkgs", tmp_path / "acme_tests"
    (pkgs / "acme_mods").mkdir(parents=True)
    (pkgs / "acme_mods" / "__init__.py").write_text("")
    pythonpath = os.pathsep.join([str(pkgs), str(FIXTURES)])

    options = ["--directory", str(pkgs / "acme_mods"), "--tests", str(tests_dir)]
    created = run(
        [*orion_command(), "modules", "new", "loyalty", *options],
        clean_env(
            ORION_EXTRA_MODULES=json.dumps(TESTKIT),
            ORION_PROVIDERS=json.dumps(TESTKIT_PROVIDERS),
            PYTHONPATH=pythonpath,
        ),
        tmp_path,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    module = pkgs / "acme_mods" / "loyalty"
    assert "module loyalty created" in created.stdout
    for name in MODULE_FILES:
        assert (module / name).is_file(), name
    (migration,) = (module / "migrations" / "versions").glob("*_loyalty_tables.py")
    assert str(migration) in created.stdout
    for name in ("conftest.py", "test_service.py", "test_api.py", "test_console.py"):
        assert (tests_dir / "loyalty" / name).is_file(), name

    url = fresh_database_url(tmp_path, "scaffold")
    env = clean_env(
        ORION_DATABASE_URL=url,
        ORION_EXTRA_MODULES=json.dumps([*TESTKIT, "acme_mods.loyalty"]),
        ORION_PROVIDERS=json.dumps(TESTKIT_PROVIDERS),
        ORION_LOG_JSON="false",
        PYTHONPATH=pythonpath,
    )
    try:
        # The module itself is sound (the test kit's own shortfalls are not its concern).
        checked = run([*orion_command(), "modules", "check"], env, tmp_path)
        assert "Traceback" not in checked.stdout + checked.stderr
        assert "module loyalty:" not in checked.stdout, checked.stdout
        for command in (["db", "upgrade"], ["db", "check"], ["modules", "enable", "loyalty"]):
            result = run([*orion_command(), *command], env, tmp_path)
            assert result.returncode == 0, (command, result.stdout + result.stderr)

        opened = run([sys.executable, "-c", OPEN_MENU_ITEM], env, tmp_path)
        assert opened.returncode == 0, opened.stdout + opened.stderr
        assert "200 /console/loyalty/\n" in opened.stdout, opened.stdout
        assert "<h1>Loyalty</h1>" in opened.stdout

        # A model change: `db check` sees it, `db revision` writes it for this module only.
        models = module / "models.py"
        models.write_text(
            models.read_text() + "    note: Mapped[str | None] = mapped_column(String(200))\n"
        )
        drifted = run([*orion_command(), "db", "check"], env, tmp_path)
        assert drifted.returncode != 0
        revised = run(
            [*orion_command(), "db", "revision", "--module", "loyalty", "-m", "add note"],
            env,
            tmp_path,
        )
        assert revised.returncode == 0, revised.stdout + revised.stderr
        (added,) = (module / "migrations" / "versions").glob("*_add_note.py")
        text = added.read_text()
        assert "sa.Column('note', sa.String(length=200), nullable=True)" in text
        assert "'loyalty_item'" in text and "drop_column(" in text
        assert "widgets_" not in text and "kernel_" not in text
        for command in (["db", "upgrade"], ["db", "check"]):
            result = run([*orion_command(), *command], env, tmp_path)
            assert result.returncode == 0, (command, result.stdout + result.stderr)
    finally:
        drop_database(url)

    generated = tests_dir / "loyalty" / "conftest.py"
    generated.write_text(
        # Outside the repository's tests/, the shared fixtures are not found on their own.
        "import pytest\n\nfrom tests.conftest import *  # noqa: F403\n"
        + generated.read_text()
        + textwrap.dedent(GENERATED_SETTINGS.format(package="acme_mods.loyalty"))
    )
    config = ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT)]
    tested = run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *config, str(tests_dir)],
        clean_env(PYTHONPATH=str(pkgs)),
        ROOT,  # `tests` (the shared fixtures and helpers) is imported from the repository
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert " passed" in tested.stdout and "failed" not in tested.stdout


def test_generated_files_follow_the_conventions(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")

    created = scaffold_module(
        "loyalty_points",
        modules_dir=tmp_path / "mods",
        tests_dir=tmp_path / "tests",
        installed=set(),
    )

    module = tmp_path / "mods" / "loyalty_points"
    assert all(path.is_file() for path in created)
    for path in (path for path in created if path.suffix == ".py"):  # valid Python
        ast.parse(path.read_text(), filename=str(path))
    # the tests folder is a package, so the module's tests folder is one too
    assert tmp_path / "tests" / "loyalty_points" / "__init__.py" in created
    definition = (module / "__init__.py").read_text()
    assert 'code="loyalty_points"' in definition
    assert "tier=Tier.OPTIONAL" in definition
    assert 'models="loyalty_points.models"' in definition  # "mods" is no package
    assert '"loyalty_points.read"' in definition and '"loyalty_points.manage"' in definition
    assert '"console": "loyalty_points.console:pages"' in definition
    assert 'path="/console/loyalty_points/"' in definition
    models = (module / "models.py").read_text()
    assert "class LoyaltyPointsItem(UUIDPrimaryKey, TenantScoped, Timestamps, Base)" in models
    assert '__tablename__ = "loyalty_points_item"' in models
    (migration,) = (module / "migrations" / "versions").glob("*.py")
    text = migration.read_text()
    assert 'branch_labels: str | Sequence[str] | None = ("loyalty_points",)' in text
    assert 'depends_on: str | Sequence[str] | None = "kernel"' in text
    assert 'enable_tenant_rls(op, "loyalty_points_item")' in text
    assert 'disable_tenant_rls(op, "loyalty_points_item")' in text
    assert '"pk_loyalty_points_item"' in text and '"ix_loyalty_points_item_tenant_id"' in text
    assert '@task("loyalty_points.count_items")' in (module / "tasks.py").read_text()
    assert '"loyalty_points.item_created"' in (module / "events.py").read_text()
    service = (module / "service.py").read_text()
    assert "commit(" not in service and "fastapi" not in service
    assert "with acting_for(session, tenant):" in service and "tenant_id ==" not in service
    assert (
        "LoyaltyPointsItemsPublic = Listing[LoyaltyPointsItemPublic]"
        in (module / "schemas.py").read_text()
    )
    repository = (module / "repository.py").read_text()
    assert "class LoyaltyPointsItemRepository(RepositoryBase[LoyaltyPointsItem])" in repository
    assert "not_found = LoyaltyPointsItemNotFound" in repository
    assert "FormPage(" in (module / "console.py").read_text()
    assert (module / "templates" / "loyalty_points" / "console" / "index.html").is_file()


def test_package_name_follows_the_init_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "__init__.py").write_text("")
    assert package_name(tmp_path / "a" / "b", "x") == "b.x"
    (tmp_path / "a" / "__init__.py").write_text("")
    assert package_name(tmp_path / "a" / "b", "x") == "a.b.x"
    assert package_name(tmp_path, "x") == "x"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "Loyalty",
        "1points",
        "loyalty-points",
        "loyalty points",
        "double__under",
        "trailing_",
        "_leading",
        "class",
        "kernel",
        "x" * 41,
    ],
)
def test_refuses_a_bad_code(tmp_path, code):
    with pytest.raises(ScaffoldError, match="module code"):
        scaffold_module(code, modules_dir=tmp_path / "mods", tests_dir=tmp_path / "tests")
    assert not (tmp_path / "mods").exists() and not (tmp_path / "tests").exists()


def test_refuses_the_code_of_an_installed_module(tmp_path):
    with pytest.raises(ScaffoldError, match="already used by an installed module"):
        scaffold_module("core", modules_dir=tmp_path / "mods", tests_dir=tmp_path / "tests")
    assert not (tmp_path / "mods").exists()


def test_refuses_an_existing_folder(tmp_path):
    scaffold_module("notes", modules_dir=tmp_path, tests_dir=tmp_path / "t", installed=set())
    before = sorted(tmp_path.rglob("*"))

    with pytest.raises(ScaffoldError, match="already exists"):
        scaffold_module("notes", modules_dir=tmp_path, tests_dir=tmp_path / "u", installed=set())

    assert sorted(tmp_path.rglob("*")) == before


def test_refuses_to_overwrite_a_test(tmp_path):
    (tmp_path / "t" / "notes").mkdir(parents=True)
    (tmp_path / "t" / "notes" / "test_api.py").write_text("# mine\n")

    with pytest.raises(ScaffoldError, match="already exists"):
        scaffold_module("notes", modules_dir=tmp_path / "m", tests_dir=tmp_path / "t")

    assert not (tmp_path / "m" / "notes").exists()
    assert (tmp_path / "t" / "notes" / "test_api.py").read_text() == "# mine\n"


def test_cli_refuses_with_a_clear_message(tmp_path):
    result = run(
        [*orion_command(), "modules", "new", "Bad-Code", "--directory", str(tmp_path)],
        clean_env(PYTHONPATH=str(FIXTURES)),
        tmp_path,
    )

    assert result.returncode != 0
    assert "lower_snake_case" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
