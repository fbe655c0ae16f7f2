"""`orion dev ...`: the scan's report in the terminal, exit 0 when clean and 1 on
violations (CI gates on it), 2 for a bad path or rule; a test run in the terminal."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orion.modules.dev_tools.cli import app
from orion.modules.dev_tools.scanning import RULES
from tests.modules.dev_tools.conftest import BROKEN, CLEAN, SUITE, relative

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"ORION_EXTRA_MODULES": "[]"})


def test_a_clean_tree_exits_0():
    result = invoke("scan", "--path", relative(CLEAN))
    assert result.exit_code == 0, result.output
    assert "no violations" in result.output


def test_violations_exit_1_with_a_table():
    result = invoke("scan", "--path", relative(BROKEN))
    assert result.exit_code == 1, result.output
    assert "Architecture violations" in result.output
    assert f"{len(RULES)} violation(s)" in result.output


def test_the_json_report_names_file_line_and_rule():
    result = invoke("scan", "--path", relative(BROKEN), "--format", "json", "-r", "file-size")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["rules"] == ["file-size"]
    assert [(v["rule"], v["line"]) for v in report["violations"]] == [("file-size", 601)]
    assert report["violations"][0]["file"] == relative(BROKEN / "bulky.py")


def test_the_whole_project_scans_clean_from_the_terminal():
    result = invoke("scan", "--format", "json")
    assert result.exit_code == 0, result.stdout[-3000:]


def test_a_path_outside_the_project_or_an_unknown_rule_exits_2():
    assert invoke("scan", "--path", "/etc").exit_code == 2
    assert invoke("scan", "--rule", "no-such-rule").exit_code == 2
    assert invoke("scan", "--format", "xml").exit_code == 2


def test_the_rules_are_listed():
    result = invoke("rules")
    assert result.exit_code == 0
    assert all(code in result.output for code in RULES)


def test_a_test_run_in_the_terminal_exits_1_when_a_test_fails():
    result = invoke("test", relative(SUITE / "check_sample.py"))
    assert result.exit_code == 1, result.output
    assert "failed: 3 passed, 1 failed, 1 skipped, 1 error(s)" in result.output
    result = invoke("test", relative(SUITE / "check_sample.py"), "-k", "parametrized")
    assert result.exit_code == 0, result.output
