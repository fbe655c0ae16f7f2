"""Console fixtures: a browser-like client (cookies, CSRF token from the pages) signing in
through the sign-in form, with real tenants, members and modules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import ModuleScope

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A TestClient used the way a browser uses the console: it keeps the cookies and
    sends each form with the CSRF token of the page it came from."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        response = self.client.get(path, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        if self.token is None:
            self.get("/console/sign-in")
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(path, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def sign_in(self, email: str, password: str) -> None:
        self.get("/console/sign-in")
        response = self.post("/console/sign-in", {"email": email, "password": password})
        assert response.status_code == 303, response.text

    def menu(self, path: str = "/console/tenancy/") -> list[str]:
        html = self.get(path, follow_redirects=True).text
        nav = (
            html.split('<nav id="menu">', 1)[1].split("</nav>", 1)[0] if 'id="menu"' in html else ""
        )
        return re.findall(r'<a href="([^"]+)"', nav)


def errors_in(html: str) -> dict[str, str]:
    """Field errors as the page shows them next to their fields."""
    return dict(re.findall(r'<small id="e-([\w.]+)" class="error">([^<]+)</small>', html))


@pytest.fixture
def browser(app) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield Browser(c)


@pytest.fixture
def other_browser(app) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield Browser(c)


def switch_module(runtime: Runtime, tenant: TenantContext, code: str, *, on: bool) -> None:
    assert tenant.platform_id is not None
    with runtime.database.unit_of_work() as session:
        scope = ModuleScope(tenant.platform_id, tenant.tenant_id)
        if on:
            runtime.modules.enable(session, code, scope=scope)
        else:
            runtime.modules.disable(session, code, scope=scope)
