"""The scan engine: each rule finds its violation in the broken sample module at the right
file and line, the clean sample and Orion's own source keep every rule, silencing, and the
comparison of one scan with the previous one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orion.modules.dev_tools.scanning import RULES, compare, scan
from tests.modules.dev_tools.conftest import BROKEN, CLEAN, line_of, relative

EXPECTED = {
    "module-isolation": (
        "service.py",
        "from orion.modules.credits.models import CreditAccount",
        "orion.modules.credits.models.CreditAccount from module credits",
    ),
    "requires-matches-imports": (
        "service.py",
        "from orion.modules.tenancy.schemas import TenantPublic",
        "module tenancy, which is not in its requires",
    ),
    "required-files": ("__init__.py", "definition = ModuleDefinition(", "exceptions.py is missing"),
    "no-commit-in-services": ("service.py", "session.commit()", "session.commit() in place_order"),
    "no-httpexception-outside-routes": (
        "service.py",
        "raise HTTPException(",
        "HTTPException raised in find_order",
    ),
    "model-table-migrated": (
        "models.py",
        '__tablename__ = "broken_shop_line"',
        "table broken_shop_line (model OrderLine) is created by no migration",
    ),
    "file-size": ("bulky.py", None, "620 lines, more than the limit of 600"),
    "import-cycle": (
        "helpers.py",
        "from broken_shop import service",
        "import cycle: broken_shop.helpers -> broken_shop.service -> broken_shop.helpers",
    ),
    "tenant-mixin": (
        "models.py",
        "tenant_id: Mapped[uuid.UUID] = mapped_column()",
        "model OrderLine (table broken_shop_line) has a tenant_id of its own",
    ),
}


@pytest.fixture(scope="module")
def broken_report(runtime):  # type: ignore[no-untyped-def]
    return scan([BROKEN], registry=runtime.registry)


def test_every_rule_is_exercised_by_the_broken_sample():
    assert set(EXPECTED) == set(RULES)


@pytest.mark.parametrize("code", list(EXPECTED))
def test_each_rule_finds_its_violation_at_the_right_file_and_line(broken_report, code):
    file, snippet, message = EXPECTED[code]
    found = [v for v in broken_report.violations if v.rule == code]
    assert len(found) == 1, [v.as_dict() for v in broken_report.violations]
    violation = found[0]
    assert violation.file == relative(BROKEN / file)
    line = 601 if snippet is None else line_of(BROKEN / file, snippet)
    assert violation.line == line
    assert message in violation.message
    assert violation.module == "broken_shop"
    assert violation.severity == RULES[code].severity


def test_the_broken_sample_has_no_other_violation(broken_report):
    assert len(broken_report.violations) == len(EXPECTED)
    assert broken_report.modules == ["broken_shop"]
    assert len(set(broken_report.fingerprints)) == len(broken_report.fingerprints)


def test_the_clean_sample_keeps_every_rule(runtime):
    report = scan([CLEAN], registry=runtime.registry)
    assert report.modules == ["clean_shop"]
    assert report.files >= 7
    assert [v.as_dict() for v in report.violations] == []


def test_orions_own_source_keeps_every_rule(runtime):
    report = scan(registry=runtime.registry)
    assert report.files > 100
    assert "dev_tools" in report.modules and "credits" in report.modules
    assert [f"{v.rule} {v.file}:{v.line} {v.message}" for v in report.violations] == []


def test_a_scan_runs_only_the_rules_asked_for(runtime):
    report = scan([BROKEN], rules=["no-commit-in-services", "file-size"], registry=runtime.registry)
    assert report.rules == ["no-commit-in-services", "file-size"]
    assert sorted(v.rule for v in report.violations) == ["file-size", "no-commit-in-services"]


def test_the_file_size_limit_is_a_setting(runtime):
    report = scan([CLEAN], rules=["file-size"], registry=runtime.registry, max_file_lines=50)
    assert report.violations == []
    report = scan([BROKEN], rules=["file-size"], registry=runtime.registry, max_file_lines=700)
    assert report.violations == []


def test_progress_is_reported_step_by_step(runtime):
    steps: list[tuple[int, int]] = []
    scan(
        [CLEAN], registry=runtime.registry, progress=lambda done, total: steps.append((done, total))
    )
    assert steps[0] == (1, len(RULES) + 1)
    assert steps[-1] == (len(RULES) + 1, len(RULES) + 1)


def copy_of(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


def test_a_violation_is_silenced_on_its_line(runtime, tmp_path):
    module = copy_of(BROKEN, tmp_path)
    service = module / "service.py"
    service.write_text(
        service.read_text().replace(
            "session.commit()", "session.commit()  # dev-tools: ignore[no-commit-in-services]"
        )
    )
    report = scan([module], registry=runtime.registry)
    assert "no-commit-in-services" not in {v.rule for v in report.violations}
    assert len(report.violations) == len(EXPECTED) - 1


def test_fingerprints_do_not_move_with_lines_and_the_comparison_sorts_them(runtime, tmp_path):
    module = copy_of(BROKEN, tmp_path)
    before = scan([module], registry=runtime.registry)
    service = module / "service.py"
    text = service.read_text()
    # Lines move (a docstring grows), the commit is fixed, a new commit appears elsewhere.
    text = text.replace('"""A service', '"""\nA longer docstring.\n\nA service', 1)
    text = text.replace("    session.commit()\n", "    session.flush()\n")
    text += "\n\ndef cancel(session: Session) -> None:\n    session.commit()\n"
    service.write_text(text)
    after = scan([module], registry=runtime.registry)

    moved = {v.rule: v.line for v in after.violations if v.file.endswith("service.py")}
    original = {v.rule: v.line for v in before.violations if v.file.endswith("service.py")}
    assert moved["module-isolation"] == original["module-isolation"] + 3
    comparison = compare(before.fingerprints, after.fingerprints)
    by_print = dict(zip(after.fingerprints, after.violations, strict=True))
    old_print = dict(zip(before.fingerprints, before.violations, strict=True))
    assert [by_print[f].message for f in comparison.new] == [
        "session.commit() in cancel: services flush; the request, task or CLI call that "
        "opened the unit of work commits"
    ]
    assert [old_print[f].rule for f in comparison.fixed] == ["no-commit-in-services"]
    assert len(comparison.unchanged) == len(EXPECTED) - 1
