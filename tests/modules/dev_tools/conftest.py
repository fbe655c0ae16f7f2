"""Fixtures for the dev_tools tests: the sample modules and suite (data, never collected:
`samples/` holds a broken and a clean module and a small pytest suite whose files are
named check_*.py), superadmins signed in through the API and the console."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orion.kernel.runtime import Runtime

collect_ignore_glob = ["samples/*"]

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
BROKEN = SAMPLES / "broken_shop"
CLEAN = SAMPLES / "clean_shop"
SUITE = SAMPLES / "suite"
API = "/api/v1/admin/dev_tools"
PAGES = "/console/platform/dev_tools"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def line_of(path: Path, text: str) -> int:
    """The line of `path` holding `text` (the first one)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} is not in {path}")


def relative(path: Path) -> str:
    from orion.modules.dev_tools.scanning import project_root

    return path.relative_to(project_root()).as_posix()


@pytest.fixture
def superadmin(operator_headers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return operator_headers


@pytest.fixture
def member_headers(make_tenant, make_member, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A tenant admin, signed in for their tenant."""
    tenant = make_tenant()
    user, password = make_member(tenant, role="tenant_admin")
    return login(user.email, password, tenant_id=tenant.tenant_id)


@pytest.fixture
def platform(runtime: Runtime) -> uuid.UUID:
    with runtime.database.unit_of_work() as session:
        return runtime.directory.default_platform_id(session)


class ConsoleBrowser:
    """Cookies and the CSRF token of the last page, as a browser keeps them."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs):  # type: ignore[no-untyped-def]
        response = self.client.get(path, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
        return self.client.post(
            path, data={**(data or {}), "csrf_token": self.token}, follow_redirects=False
        )

    def sign_in(self, email: str, password: str) -> None:
        self.get("/console/sign-in")
        response = self.post("/console/sign-in", {"email": email, "password": password})
        assert response.status_code == 303, response.text


@pytest.fixture
def console(app, make_user) -> Iterator[ConsoleBrowser]:  # type: ignore[no-untyped-def]
    """A superadmin signed in to the console."""
    user, password = make_user(superadmin=True)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = ConsoleBrowser(c)
        browser.sign_in(user.email, password)
        yield browser
