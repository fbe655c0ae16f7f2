"""The console pages render for a superadmin: the rules and scans, a scan's violations and
comparison, the test runs with their history; forms start scans and switch rules."""

from __future__ import annotations

import re

import pytest

from orion.modules.dev_tools.scanning import RULES
from tests.helpers import wait_for
from tests.modules.dev_tools.conftest import BROKEN, PAGES, SUITE, relative

pytestmark = pytest.mark.usefixtures("worker")


def test_the_platform_menu_opens_the_pages(console):
    html = console.get(f"{PAGES}/").text
    nav = html.split('<nav id="menu">', 1)[1].split("</nav>", 1)[0]
    assert f'href="{PAGES}/"' in nav and f'href="{PAGES}/test-runs"' in nav
    for code in RULES:
        assert f"<code>{code}</code>" in html


def test_a_scan_started_from_the_console_shows_its_violations(console):
    response = console.post(f"{PAGES}/scans", {"path": relative(BROKEN)})
    assert response.status_code == 303, response.text
    page = response.headers["location"]
    assert re.fullmatch(rf"{PAGES}/scans/[0-9a-f-]+", page)
    assert wait_for(lambda: "succeeded" in console.get(page).text, timeout=60)
    html = console.get(page).text
    assert 'id="violations"' in html and 'id="comparison"' in html
    assert f"{relative(BROKEN / 'service.py')}:" in html
    assert f'href="{page}"' in console.get(f"{PAGES}/").text


def test_a_path_outside_the_project_is_shown_next_to_its_field(console):
    response = console.post(f"{PAGES}/scans", {"path": "/etc"})
    assert response.status_code == 422
    assert 'id="e-path"' in response.text


def test_a_rule_is_switched_from_the_console(console, runtime, platform):
    from orion.modules.dev_tools import services

    response = console.post(f"{PAGES}/rules/tenant-mixin", {"enabled": "0"})
    assert response.status_code == 303
    with runtime.database.unit_of_work() as session:
        assert "tenant-mixin" not in services.enabled_rules(session, platform)
    console.post(f"{PAGES}/rules/tenant-mixin", {"enabled": "1"})
    with runtime.database.unit_of_work() as session:
        assert "tenant-mixin" in services.enabled_rules(session, platform)


def test_a_test_run_started_from_the_console_shows_its_results(console):
    response = console.post(
        f"{PAGES}/test-runs",
        {"path": relative(SUITE / "check_sample.py"), "time_limit_seconds": "120"},
    )
    assert response.status_code == 303, response.text
    page = response.headers["location"]
    assert wait_for(lambda: 'id="totals"' in console.get(page).text, timeout=120)
    html = console.get(page).text
    assert "check_sample.py::test_fails" in html and "arithmetic is broken" in html
    listing = console.get(f"{PAGES}/test-runs").text
    assert f'href="{page}"' in listing and 'id="slowest"' in listing


def test_a_collection_is_saved_from_the_console(console):
    response = console.post(
        f"{PAGES}/test-collections", {"name": "console suite", "path": relative(SUITE)}
    )
    assert response.status_code == 303, response.text
    assert "console suite" in console.get(f"{PAGES}/test-runs").text
