"""Who reaches monitoring: platform operators only. Every route and page (taken from the
module's routers, where the kernel mounts them) answers 404 to a tenant's admin and to
someone not signed in."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from orion.kernel.web.mounting import mounts_of
from tests.modules.monitoring.conftest import API, PAGES

HIDDEN = 404


def routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    runtime = app.state.runtime
    definition = runtime.registry.get("monitoring")
    found = []
    for audience, target in definition.routers.items():
        router = runtime.registry.resolve(target)
        for mount, _guards in mounts_of("monitoring", audience, internal=True):
            for route in router.routes:
                concrete = (mount + route.path).replace("{metric}", "queue_depth")
                while "{" in concrete:
                    start, end = concrete.index("{"), concrete.index("}")
                    concrete = concrete[:start] + str(uuid.uuid4()) + concrete[end + 1 :]
                for method in sorted(route.methods or ()):
                    found.append((method, concrete))
    return sorted(set(found))


def test_the_module_has_api_routes_and_console_pages(app):
    found = routes(app)
    api = [r for r in found if r[1].startswith(API)]
    pages = [r for r in found if r[1].startswith(PAGES)]
    assert len(api) >= 12 and len(pages) >= 7
    assert ("POST", f"{API}/snapshots") in api and ("GET", f"{PAGES}/") in pages


def test_a_tenant_admin_and_an_anonymous_caller_get_404_everywhere(app, client, member_headers):
    for method, path in routes(app):
        for headers in (member_headers, {}):
            response = client.request(method, path, headers=headers, json={"value": 1})
            assert response.status_code == HIDDEN, (method, path, response.status_code)


def test_console_pages_are_hidden_from_a_tenant_admin(app, make_tenant, make_member):
    from tests.modules.monitoring.conftest import ConsoleBrowser

    tenant = make_tenant()
    user, password = make_member(tenant)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = ConsoleBrowser(c)
        browser.sign_in(user.email, password)
        for page in ("/", "/notifications", "/task-runs"):
            assert browser.get(f"{PAGES}{page}").status_code == HIDDEN
        assert 'href="/console/platform/monitoring/"' not in browser.get("/console/").text
