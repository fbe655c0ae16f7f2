"""Who reaches dev_tools: superadmins only, on every route and page (the routes are taken
from the app itself, so a new one is covered the day it is added); nobody when the
deployment switches the module off, and then its tasks refuse to run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orion.app import create_app
from orion.kernel.web.mounting import mounts_of
from orion.modules.dev_tools.models import ArchitectureScan
from orion.modules.dev_tools.services import execute_scan
from tests.conftest import DEPLOYMENT, drop_database, fresh_database_url, make_settings, started
from tests.helpers import PASSWORD, unique_email
from tests.modules.dev_tools.conftest import API, PAGES, ConsoleBrowser

HIDDEN = 404


def routes(app, prefix: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, concrete path) of every route the module's routers put under `prefix`,
    where the kernel mounts them, path parameters filled in."""
    runtime = app.state.runtime
    definition = runtime.registry.get("dev_tools")
    found = []
    for audience, target in definition.routers.items():
        router = runtime.registry.resolve(target)
        for mount, _guards in mounts_of("dev_tools", audience):
            for route in router.routes:
                path = mount + route.path
                if not path.startswith(prefix):
                    continue
                concrete = path.replace("{code}", "file-size")
                while "{" in concrete:
                    start, end = concrete.index("{"), concrete.index("}")
                    concrete = concrete[:start] + str(uuid.uuid4()) + concrete[end + 1 :]
                for method in sorted(route.methods or ()):
                    found.append((method, concrete))
    return sorted(set(found))


def test_the_module_has_api_routes_and_console_pages(app):
    api, pages = routes(app, API), routes(app, PAGES)
    assert len(api) >= 15 and len(pages) >= 6
    assert ("POST", f"{API}/scans") in api and ("POST", f"{API}/test-runs") in api
    assert ("GET", f"{PAGES}/") in pages


@pytest.fixture
def member_browser(app, make_tenant, make_member) -> Iterator[ConsoleBrowser]:  # type: ignore[no-untyped-def]
    user, password = make_member(make_tenant(), role="tenant_admin")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = ConsoleBrowser(c)
        browser.sign_in(user.email, password)
        yield browser


def answers(client, method, path, headers=None):  # type: ignore[no-untyped-def]
    return client.request(method, path, headers=headers or {}, follow_redirects=False)


def refusals(app, client, member_headers, member_browser) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """What every non-superadmin gets from every route: `caller method path` -> status."""
    seen = {}
    for method, path in routes(app, API):
        seen[f"anonymous {method} {path}"] = answers(client, method, path).status_code
        seen[f"tenant admin {method} {path}"] = answers(
            client, method, path, member_headers
        ).status_code
    for method, path in routes(app, PAGES):
        seen[f"anonymous {method} {path}"] = answers(client, method, path).status_code
        response = member_browser.client.request(method, path, follow_redirects=False)
        seen[f"tenant admin page {method} {path}"] = response.status_code
    return seen


def test_every_route_answers_404_to_non_superadmins(app, client, member_headers, member_browser):
    """Anonymous callers and tenant admins cannot even learn the routes exist: the kernel
    mounts an internal module's operator routes and pages behind a 404 guard."""
    seen = refusals(app, client, member_headers, member_browser)
    assert len(seen) > 10
    assert {call: status for call, status in seen.items() if status != HIDDEN} == {}


def test_a_superadmin_reaches_every_route(app, client, superadmin, console):
    for method, path in routes(app, API):
        response = answers(client, method, path, superadmin)
        assert response.status_code < 500, (method, path, response.text)
        if response.status_code == 404:  # an unknown id, named by its own code
            assert response.json()["code"] != "not_found", (method, path)
    for method, path in routes(app, PAGES):
        if method == "POST":  # with the form's CSRF token, as the page sends it
            response = console.post(path)
        else:
            response = console.get(path, follow_redirects=False)
        assert response.status_code < 500 and response.status_code not in (401, 403), (method, path)


@pytest.fixture(scope="module")
def switched_off(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A deployment with ORION_MODULES__DEV_TOOLS__ENABLED=false, and a superadmin in it."""
    url = fresh_database_url(tmp_path_factory.mktemp("off"), "dev_tools_off")
    settings = make_settings(url, **DEPLOYMENT, modules={"dev_tools": {"enabled": "false"}})
    with started(settings) as runtime:
        from orion.modules.auth.services import create_user

        email = unique_email()
        with runtime.database.unit_of_work() as session:
            create_user(session, email=email, password=PASSWORD, is_superadmin=True)
        yield runtime, email
    drop_database(url)


def test_a_switched_off_deployment_answers_404_even_to_superadmins(switched_off):
    runtime, email = switched_off
    app = create_app(runtime=runtime, embedded_worker=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = client.post(
            "/api/v1/public/auth/login", data={"username": email, "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for method, path in routes(app, API):
            response = answers(client, method, path, headers)
            assert response.status_code == HIDDEN, (method, path, response.text)
            assert response.json()["code"] == "not_found"


def test_a_switched_off_deployment_refuses_to_run_the_tasks(switched_off):
    runtime, _email = switched_off
    with runtime.database.unit_of_work() as session:
        row = ArchitectureScan(platform_id=uuid.uuid4(), state="pending", rules=[])
        session.add(row)
        session.flush()
        scan_id = row.id
    with runtime.database.unit_of_work() as session:
        assert execute_scan(session, scan_id) == {"state": "refused"}
    with runtime.database.unit_of_work() as session:
        row = session.get(ArchitectureScan, scan_id)
        assert row.state == "refused" and "switched off" in row.error
